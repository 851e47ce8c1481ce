/**
 * Calendar edits re-time running deadlines (issue 10 Build 1): once a year's calendar is saved, every running
 * approval whose current deadline falls in that year or later (a deadline walked through the year) is signalled;
 * each workflow computes its deadline again from its own start and used time (domain/approval-clock.ts), and a
 * provisional (暂定) deadline loses the flag once its year has data. Found in the projection (`approval_process`),
 * which is written in the same transaction as the tasks and is never behind like visibility can be.
 */
import { WorkflowNotFoundError } from '@temporalio/client';
import { ApprovalProcess } from '../../db/approval-entities';
import { startOfShanghaiDay } from '../../domain/calendar';
import { retimeSignal } from '../../workflows/approval-messages';
import type { AppContext } from '../context';

export interface RetimeResult {
  /** Processes signalled. */
  signalled: string[];
  /** Processes that could not be reached (Temporal unavailable); they keep their deadline until the next edit. */
  failed: string[];
}

export async function retimeRunningDeadlines(ctx: AppContext, year: number): Promise<RetimeResult> {
  const from = startOfShanghaiDay(`${String(year).padStart(4, '0')}-01-01`);
  const running = await ctx
    .em()
    .find(
      ApprovalProcess,
      { status: 'running', stepDueAt: { $gte: from } },
      { fields: ['id'], orderBy: { id: 'asc' } },
    );
  const result: RetimeResult = { signalled: [], failed: [] };
  for (const p of running) {
    try {
      await ctx.temporal.workflow.getHandle(p.id).signal(retimeSignal);
      result.signalled.push(p.id);
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) continue; // ended meanwhile: nothing to re-time
      result.failed.push(p.id);
    }
  }
  return result;
}

/**
 * Test driver for the time-skipping server (which has no Schedules): runs the expiry sweep as a child once a day
 * for `days` days, as the daily Schedule would, each on its own (skipped) workflow date.
 */
import { executeChild, sleep, workflowInfo } from '@temporalio/workflow';
import { licenceExpirySweepWorkflow, type ExpirySweepResult } from '../../../workflows/licence-expiry-sweep';

export { licenceExpirySweepWorkflow };

export async function dailySweepsWorkflow(days: number, pageSize: number): Promise<ExpirySweepResult[]> {
  const results: ExpirySweepResult[] = [];
  for (let day = 0; day < days; day++) {
    results.push(
      await executeChild(licenceExpirySweepWorkflow, {
        workflowId: `${workflowInfo().workflowId}-day-${day}`,
        args: [{ pageSize }],
      }),
    );
    await sleep('1 day');
  }
  return results;
}

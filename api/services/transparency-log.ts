/**
 * Issue 20 Build 1: the transparency log's public face — the latest signed tree head, inclusion proofs by leaf
 * hash, consistency proofs between two sizes, the leaves in a range — and a tree head signed on demand by a
 * platform administrator (tests and operators), through the same workflow the Schedule starts.
 */
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { z } from 'zod';
import { recordAudit } from '../../db/audit';
import { logger } from '../../infra/logger';
import { ensureStandingWorkflow } from '../../usecases/durable-request';
import { onDemandLogRoundId } from '../../usecases/transparency-log-schedule';
import { logLeafHash, type InclusionEvidence, type SignedTreeHead } from '../../pki/transparency-log';
import {
  consistencyProofBetween,
  inclusionEvidence,
  inclusionProofAt,
  latestTreeHead,
  leafIndexOf,
  leavesInRange,
  LogLeafView,
  waitingEntries,
} from '../../usecases/transparency-log';
import { SEAL_SIGNATURE_TIMEOUT } from '../../workflows/signing-queue';
import { transparencyLogWorkflow } from '../../workflows/transparency-log';
import { requireRole } from '../auth';
import type { AppContext } from '../context';
import { ApiError, badRequest, notFound } from '../errors';
import { actorOf, Principal, RequestMeta } from '../principal';
import { parse } from '../validation';

/**
 * How long `POST …/tree-heads` waits for its round: the signing's own allowance (SEAL_SIGNATURE_TIMEOUT) and a
 * margin for a short append, so that a round whose signing service is away answers 503 within the request.
 */
export const TREE_HEAD_WAIT_MS = SEAL_SIGNATURE_TIMEOUT + 5_000;

/** A signed head (201), or a round still under way when the request stopped waiting (202). */
export type TreeHeadAnswer =
  | { status: 'signed'; head: SignedTreeHead }
  | { status: 'appending' | 'signing'; waiting: number; message: string };

/** The most leaves one request returns. */
export const MAX_LEAVES_PER_PAGE = 1000;

const Size = (what: string) =>
  z.coerce
    .number({ message: `${what}应为整数` })
    .int({ message: `${what}应为整数` })
    .min(0, { message: `${what}不能为负数` })
    .max(Number.MAX_SAFE_INTEGER, { message: `${what}过大` });

export const InclusionQuery = z
  .object({
    leafHash: z.string().regex(/^[0-9a-f]{64}$/, { message: '应为 64 位小写十六进制的叶子哈希' }),
    treeSize: Size('树大小').optional(),
  })
  .strict();

export const ConsistencyQuery = z
  .object({ first: Size('较早的树大小'), second: Size('较晚的树大小') })
  .strict()
  .refine((q) => q.first <= q.second, { path: ['first'], message: '较早的树大小不能大于较晚的树大小' });

export const LeavesQuery = z
  .object({ start: Size('起始序号'), end: Size('结束序号') })
  .strict()
  .refine((q) => q.start <= q.end, { path: ['start'], message: '起始序号不能大于结束序号' })
  .refine((q) => q.end - q.start <= MAX_LEAVES_PER_PAGE, {
    path: ['end'],
    message: `一次最多返回 ${MAX_LEAVES_PER_PAGE} 条`,
  });

export class TransparencyLogService {
  constructor(private readonly ctx: AppContext) {}

  async latest(): Promise<SignedTreeHead> {
    const head = await latestTreeHead(this.ctx.em());
    if (!head) throw notFound('已签名的日志树根');
    return head;
  }

  /** A size no signed head has reached is refused: proofs are given only against published heads' sizes. */
  private async publishedSize(size: number | undefined, field: string): Promise<number> {
    const head = await this.latest();
    if (size === undefined) return head.treeSize;
    if (size > head.treeSize)
      throw badRequest([
        { field, rule: 'published_size', message: `不能大于最新已签名树根的大小 ${head.treeSize}` },
      ]);
    return size;
  }

  async inclusion(query: unknown) {
    const q = parse(InclusionQuery, query);
    const treeSize = await this.publishedSize(q.treeSize, 'treeSize');
    const index = await leafIndexOf(this.ctx.em(), q.leafHash);
    if (index === null || index >= treeSize) throw notFound(`大小为 ${treeSize} 的日志树中该叶子`);
    return {
      leafIndex: index,
      treeSize,
      inclusionProof: await inclusionProofAt(this.ctx.em(), index, treeSize),
    };
  }

  async consistency(query: unknown) {
    const q = parse(ConsistencyQuery, query);
    await this.publishedSize(q.second, 'second');
    return {
      first: q.first,
      second: q.second,
      consistencyProof: await consistencyProofBetween(this.ctx.em(), q.first, q.second),
    };
  }

  async leaves(query: unknown): Promise<{ leaves: LogLeafView[] }> {
    const q = parse(LeavesQuery, query);
    return { leaves: await leavesInRange(this.ctx.em(), q.start, q.end) };
  }

  /** The evidence a licence's export carries, once its leaf is in a signed tree (else null). */
  licenceInclusion(leaf: { kind: string; identifier: string; hash: string; time: string }) {
    return inclusionEvidence(this.ctx.em(), logLeafHash(leaf).toString('hex'));
  }

  /**
   * `POST /api/transparency-log/tree-heads` (platform admins): appends what waits and signs a head. Answers the head
   * once the round ends within TREE_HEAD_WAIT_MS; past that the round goes on and the answer says how many entries
   * still wait (202): a large backlog (a million converted licences) takes longer to append than a request should
   * wait. Rounds asked for here share one workflow id per task queue, so a request during a long append joins it
   * rather than starting another. 503 only when the round could not start or its signing did not happen in time.
   */
  async signNow(principal: Principal, meta: RequestMeta): Promise<TreeHeadAnswer> {
    const audit = (outcome: 'success' | 'denied' | 'failed', details: Record<string, unknown>) =>
      recordAudit(this.ctx.em(), {
        actor: actorOf(principal),
        action: 'transparency_log.sign',
        targetType: 'transparency_log',
        targetId: null,
        outcome,
        details,
        requestId: meta.requestId,
        ip: meta.ip,
      });
    const unavailable = async (err: unknown, reason: string, message: string) => {
      logger.warn({ err }, `signing a transparency log tree head: ${reason}`);
      await audit('failed', { reason });
      const error = new ApiError('UNAVAILABLE', message);
      error.audited = true;
      return error;
    };
    try {
      requireRole(principal, 'platform_admin');
    } catch (err) {
      await audit('denied', { reason: 'platform_admin role required' });
      (err as { audited?: boolean }).audited = true;
      throw err;
    }
    const { temporal } = this.ctx;
    let round: WorkflowHandle<typeof transparencyLogWorkflow>;
    try {
      round = await ensureStandingWorkflow(temporal, transparencyLogWorkflow, {
        taskQueue: this.ctx.taskQueue,
        workflowId: onDemandLogRoundId(this.ctx.taskQueue),
      });
    } catch (err) {
      throw await unavailable(err, 'workflow service unavailable', '流程服务暂不可用，请稍后重试');
    }
    try {
      const head = await temporal.withDeadline(Date.now() + TREE_HEAD_WAIT_MS, () => round.result());
      await audit('success', { treeSize: head.treeSize, rootHash: head.rootHash });
      return { status: 'signed', head };
    } catch (err) {
      if (err instanceof WorkflowFailedError)
        throw await unavailable(err, 'signing worker unavailable', '日志签名服务暂时不可用，请稍后重试');
    }
    const waiting = await waitingEntries(this.ctx.em());
    await audit('success', { status: 'accepted', waiting });
    return waiting > 0
      ? {
          status: 'appending',
          waiting,
          message: `日志正在追加，尚有 ${waiting} 条待追加；追加完成后将签署新的树根，请稍后查看最新树根`,
        }
      : { status: 'signing', waiting, message: '日志已追加完毕，正在签署新的树根，请稍后查看最新树根' };
  }
}

export type { InclusionEvidence };

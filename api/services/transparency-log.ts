/**
 * Issue 20 Build 1: the transparency log's public face — the latest signed tree head, inclusion proofs by leaf
 * hash, consistency proofs between two sizes, the leaves in a range — and a tree head signed on demand by a
 * platform administrator (tests and operators), through the same workflow the Schedule starts.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { recordAudit } from '../../db/audit';
import { logger } from '../../infra/logger';
import { logLeafHash, type InclusionEvidence, type SignedTreeHead } from '../../pki/transparency-log';
import {
  consistencyProofBetween,
  inclusionEvidence,
  inclusionProofAt,
  latestTreeHead,
  leafIndexOf,
  leavesInRange,
  LogLeafView,
} from '../../usecases/transparency-log';
import { SEAL_SIGNATURE_TIMEOUT } from '../../workflows/signing-queue';
import { transparencyLogWorkflow } from '../../workflows/transparency-log';
import { requireRole } from '../auth';
import type { AppContext } from '../context';
import { ApiError, badRequest, notFound } from '../errors';
import { actorOf, Principal, RequestMeta } from '../principal';
import { parse } from '../validation';

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

  /** `POST /api/transparency-log/tree-heads`: appends what waits and signs a head now (platform admins). */
  async signNow(principal: Principal, meta: RequestMeta): Promise<SignedTreeHead> {
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
    try {
      requireRole(principal, 'platform_admin');
    } catch (err) {
      await audit('denied', { reason: 'platform_admin role required' });
      (err as { audited?: boolean }).audited = true;
      throw err;
    }
    let head: SignedTreeHead;
    try {
      head = await this.ctx.temporal.workflow.execute(transparencyLogWorkflow, {
        taskQueue: this.ctx.taskQueue,
        workflowId: `transparency-log-sign-${randomUUID()}`,
        workflowRunTimeout: SEAL_SIGNATURE_TIMEOUT,
        args: [],
      });
    } catch (err) {
      logger.warn({ err }, 'signing a transparency log tree head failed');
      await audit('failed', { reason: 'signing worker unavailable' });
      const error = new ApiError('UNAVAILABLE', '日志签名服务暂时不可用，请稍后重试');
      error.audited = true;
      throw error;
    }
    await audit('success', { treeSize: head.treeSize, rootHash: head.rootHash });
    return head;
  }
}

export type { InclusionEvidence };

/**
 * A seal's custodian and deputy (issue 15 Build 5, SM-14) as the API and the pages change and read them: the seal's
 * unit (its seal applicants or its leader) asks for a change naming people of the unit; the unit leader decides
 * through the approval engine (flow kind `seal_custodian_change`); the requests are the history, shown on the seal
 * page and the unit page. Signing refuses a seal without a custodian (usecases/seal-signing.ts).
 */
import { randomUUID } from 'node:crypto';
import { AppUser, Seal } from '../../db/entities';
import { SealCustodianChange } from '../../db/seal-status-entities';
import { approvalWorkflowId } from '../../domain/approval';
import {
  custodianCandidateProblem,
  SEAL_CUSTODIAN_CHANGE_STATUS_LABELS,
  SealCustodianChangeBody,
  sealCustodianChangeWorkflowId,
} from '../../domain/seal-custodian';
import { DurableRequests, NewRequest } from '../../usecases/durable-request';
import { sealCustodianChangeWorkflow } from '../../workflows/seal-custodian-change';
import { assertCanSeeOrganisationRecords } from '../access';
import type { AppContext } from '../context';
import { ApiError, badRequest, conflict, forbidden, notFound } from '../errors';
import { actorOf, Principal, RequestMeta } from '../principal';
import type { ApprovalService } from './approvals';

/** SM-14: the seal's own unit asks, through its seal applicants or its leader. */
export const CUSTODIAN_REQUESTING_ROLES = ['seal_applicant', 'unit_leader'] as const;
const ONE_PENDING = '该印章已有审批中的保管人变更申请，请等待其办结';

export interface PersonRef {
  username: string;
  displayName: string;
}

export interface SealCustodianChangeView {
  id: string;
  sealId: string;
  sealName: string;
  custodian: PersonRef | null;
  deputy: PersonRef | null;
  previousCustodian: PersonRef | null;
  previousDeputy: PersonRef | null;
  reason: string;
  applicant: PersonRef | null;
  status: SealCustodianChange['status'];
  statusLabel: string;
  outcomeReason: string | null;
  approval: { workflowId: string; url: string };
  createdAt: string;
  decidedAt: string | null;
}

export interface SealCustodians {
  sealId: string;
  custodian: PersonRef | null;
  deputy: PersonRef | null;
  history: SealCustodianChangeView[];
}

type Meta = RequestMeta & { idempotencyKey?: string };
type SealRow = Omit<Seal, 'imprint'>;

export class SealCustodianService {
  constructor(
    private readonly ctx: AppContext,
    private readonly approvals: ApprovalService,
  ) {}

  async submit(
    principal: Principal,
    sealId: string,
    body: SealCustodianChangeBody,
    meta: Meta,
  ): Promise<{ request: SealCustodianChangeView; created: boolean }> {
    const seal = await this.actableSeal(principal, sealId);
    const custodian = await this.candidate(seal, body.custodian, 'custodian');
    const deputy = body.deputy ? await this.candidate(seal, body.deputy, 'deputy') : null;
    const { idempotencyKey } = meta;
    const id = randomUUID();
    const durable = new DurableRequests(this.ctx);
    const submitted = await durable
      .submit({
        findExisting: durable.byClientRequest(
          SealCustodianChange,
          { applicantId: principal.userId },
          idempotencyKey,
        ),
        prepare: async (): Promise<NewRequest<typeof sealCustodianChangeWorkflow>> => {
          if (await this.ctx.em().count(SealCustodianChange, { sealId, status: 'pending' })) {
            throw conflict(ONE_PENDING);
          }
          const row = {
            id,
            sealId,
            organisationId: seal.organisationId,
            applicantId: principal.userId,
            custodianId: custodian.id,
            deputyId: deputy?.id ?? null,
            reason: body.reason,
            workflowId: sealCustodianChangeWorkflowId(id),
            approvalWorkflowId: approvalWorkflowId('seal_custodian_change', id),
            clientRequestId: idempotencyKey ?? null,
            approvalOptions: await this.approvals.resolveInitiatorOptions(body),
          };
          const audit = {
            actor: actorOf(principal),
            action: 'seal_custodian_change.submit',
            targetType: 'seal',
            targetId: sealId,
            requestId: meta.requestId,
            ip: meta.ip,
          };
          return {
            workflow: sealCustodianChangeWorkflow,
            workflowId: row.workflowId,
            args: [{ requestId: id, approval: await this.approvalInput(row, seal) }],
            insert: async (tx) => {
              await tx.insert(SealCustodianChange, { ...row, status: 'pending', createdAt: new Date() });
            },
            audit: {
              ...audit,
              details: { requestId: id, custodian: body.custodian, deputy: body.deputy ?? null },
            },
            undo: (tx) => tx.nativeDelete(SealCustodianChange, { id }),
            failureAudit: (err) => ({ ...audit, details: { requestId: id, error: String(err) } }),
            unavailable: () => new ApiError('UNAVAILABLE', '流程服务暂不可用，申请未提交，请稍后重试'),
          };
        },
      })
      .catch((err: unknown) => {
        if (String(err).includes('seal_custodian_change_one_pending')) throw conflict(ONE_PENDING);
        throw err;
      });
    if (!submitted.created) {
      return { request: await this.requestView(principal, submitted.existing.id), created: false };
    }
    await this.approvals.waitUntilReady(approvalWorkflowId('seal_custodian_change', id));
    return { request: await this.requestView(principal, id), created: true };
  }

  /** The approval under the seal unit's `seal_custodian_change` flow, for submission and resumption. */
  private async approvalInput(
    r: Pick<
      SealCustodianChange,
      'id' | 'organisationId' | 'applicantId' | 'custodianId' | 'deputyId' | 'reason' | 'approvalOptions'
    >,
    seal: Pick<Seal, 'name' | 'kind'>,
  ) {
    const people = await this.people([r.custodianId, r.deputyId]);
    const deputy = r.deputyId ? people.get(r.deputyId)?.displayName : null;
    return this.approvals.buildInput({
      kind: 'seal_custodian_change',
      principal: { userId: r.applicantId },
      organisationId: r.organisationId,
      processId: r.id,
      title: `印章保管人变更：${seal.name}`,
      detailPath: `/api/seal-custodian-changes/${r.id}`,
      options: r.approvalOptions,
      comment: `新保管人：${people.get(r.custodianId)?.displayName ?? ''}；备用保管人：${deputy ?? '不设'}；原因：${r.reason}`,
      variables: { sealKind: seal.kind },
    });
  }

  /** Starts the process of any pending request stored without one (a crash between the insert and the start). */
  resumeOrphans(olderThanMs = 60_000): Promise<number> {
    return new DurableRequests(this.ctx).resumeOrphans(
      {
        find: (storedBefore) =>
          this.ctx.em().find(SealCustodianChange, { status: 'pending', createdAt: { $lt: storedBefore } }),
        workflow: sealCustodianChangeWorkflow,
        workflowId: (r) => r.workflowId,
        input: async (r) => ({
          requestId: r.id,
          approval: await this.approvalInput(
            r,
            await this.ctx.em().findOneOrFail(Seal, { id: r.sealId }, { fields: ['name', 'kind'] }),
          ),
        }),
      },
      olderThanMs,
    );
  }

  async requestView(principal: Principal, id: string): Promise<SealCustodianChangeView> {
    const r = await this.ctx.em().findOne(SealCustodianChange, { id }, { disableIdentityMap: true });
    if (!r) throw notFound('保管人变更申请');
    await assertCanSeeOrganisationRecords(principal, r.organisationId, this.ctx.em(), this.ctx.jurisdictions);
    return (await this.views([r]))[0]!;
  }

  /** The seal's custodian and deputy now, and every change request, newest first. */
  async ofSeal(principal: Principal, sealId: string): Promise<SealCustodians> {
    const em = this.ctx.em();
    const seal = await em.findOne(Seal, { id: sealId }, { exclude: ['imprint'] });
    if (!seal) throw notFound('印章');
    await assertCanSeeOrganisationRecords(principal, seal.organisationId, em, this.ctx.jurisdictions);
    const rows = await em.find(SealCustodianChange, { sealId }, { orderBy: { createdAt: 'desc' } });
    const people = await this.people([seal.custodianId, seal.deputyCustodianId]);
    return {
      sealId,
      custodian: ref(people, seal.custodianId),
      deputy: ref(people, seal.deputyCustodianId),
      history: await this.views(rows),
    };
  }

  /** The unit page: each seal's custodian and deputy by seal id, and the unit's change requests, newest first. */
  async ofUnit(principal: Principal, organisationId: string) {
    const em = this.ctx.em();
    await assertCanSeeOrganisationRecords(principal, organisationId, em, this.ctx.jurisdictions);
    const seals = await em.find(
      Seal,
      { organisationId },
      { fields: ['id', 'custodianId', 'deputyCustodianId'] },
    );
    const people = await this.people(seals.flatMap((s) => [s.custodianId, s.deputyCustodianId]));
    const keepers = new Map(
      seals.map((s) => [
        s.id,
        { custodian: ref(people, s.custodianId), deputy: ref(people, s.deputyCustodianId) },
      ]),
    );
    const rows = await em.find(
      SealCustodianChange,
      { organisationId },
      { orderBy: { createdAt: 'desc' }, limit: 100 },
    );
    return { keepers, history: await this.views(rows) };
  }

  /** Who may be named for the posts: the unit's active people (not its business systems' accounts). */
  async candidates(organisationId: string): Promise<PersonRef[]> {
    const rows = await this.ctx
      .em()
      .find(AppUser, { organisationId, active: true, holderCode: null }, { orderBy: { username: 'asc' } });
    return rows
      .filter((u) => !u.roles.includes('licence_system'))
      .map((u) => ({ username: u.username, displayName: u.displayName }));
  }

  /** The seal, if the caller acts for its organisation with a role that may ask for a change. */
  private async actableSeal(principal: Principal, sealId: string): Promise<SealRow> {
    const seal = await this.ctx.em().findOne(Seal, { id: sealId }, { exclude: ['imprint'] });
    if (!seal) throw notFound('印章');
    if (seal.organisationId !== principal.organisationId) {
      throw forbidden('只能为本单位的印章申请变更保管人');
    }
    if (!CUSTODIAN_REQUESTING_ROLES.some((r) => principal.roles.includes(r))) {
      throw forbidden('申请变更印章保管人需要本单位印章申请人或单位负责人的角色');
    }
    if (seal.status === 'cancelled') throw conflict('印章已注销，不能变更保管人');
    return seal;
  }

  private async candidate(seal: SealRow, username: string, field: 'custodian' | 'deputy'): Promise<AppUser> {
    const person = await this.ctx.em().findOne(AppUser, { username });
    const problem = custodianCandidateProblem(person, seal.organisationId);
    if (problem) {
      const message = field === 'deputy' ? problem.replace('保管人', '备用保管人') : problem;
      throw badRequest([{ field, rule: 'seal_unit_person', message }]);
    }
    return person!;
  }

  private async people(ids: Array<string | null>): Promise<Map<string, AppUser>> {
    const wanted = [...new Set(ids.filter((x): x is string => !!x))];
    if (wanted.length === 0) return new Map();
    const rows = await this.ctx.em().find(AppUser, { id: { $in: wanted } });
    return new Map(rows.map((u) => [u.id, u]));
  }

  private async views(rows: SealCustodianChange[]): Promise<SealCustodianChangeView[]> {
    const people = await this.people(
      rows.flatMap((r) => [
        r.custodianId,
        r.deputyId,
        r.previousCustodianId,
        r.previousDeputyId,
        r.applicantId,
      ]),
    );
    const sealIds = [...new Set(rows.map((r) => r.sealId))];
    const seals = new Map(
      (sealIds.length
        ? await this.ctx.em().find(Seal, { id: { $in: sealIds } }, { fields: ['id', 'name'] })
        : []
      ).map((s) => [s.id, s.name]),
    );
    return rows.map((r) => ({
      id: r.id,
      sealId: r.sealId,
      sealName: seals.get(r.sealId) ?? '',
      custodian: ref(people, r.custodianId),
      deputy: ref(people, r.deputyId),
      previousCustodian: ref(people, r.previousCustodianId),
      previousDeputy: ref(people, r.previousDeputyId),
      reason: r.reason,
      applicant: ref(people, r.applicantId),
      status: r.status,
      statusLabel: SEAL_CUSTODIAN_CHANGE_STATUS_LABELS[r.status],
      outcomeReason: r.outcomeReason,
      approval: { workflowId: r.approvalWorkflowId, url: `/approvals/${r.approvalWorkflowId}` },
      createdAt: r.createdAt.toISOString(),
      decidedAt: r.decidedAt?.toISOString() ?? null,
    }));
  }
}

function ref(people: Map<string, AppUser>, id: string | null): PersonRef | null {
  const u = id ? people.get(id) : undefined;
  return u ? { username: u.username, displayName: u.displayName } : null;
}

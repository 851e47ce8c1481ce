/**
 * Issue 15 Build 3 (SM-12): a standing licence-signing authorisation whose holder left or moved waits for the
 * leader of the seal's unit (usecases/person-change.ts opens the decision with its working-day deadline). The
 * leader keeps it, for themselves or a named person of the unit who may hold a seal-use authorisation, or revokes
 * it with a reason; one transaction changes the authorisation, closes the decision and audits it. The open
 * decisions are 待办 tasks of the unit's leaders (seal-use-handover-inbox.ts); the JSON API and the page
 * (api/web/seal-use-handover-pages.ts) both decide here.
 */
import { AppUser, Organisation, Seal } from '../../db/entities';
import { SealUseAuthorisation, SealUseHandover } from '../../db/seal-use-entities';
import { recordAudit } from '../../db/audit';
import { isOverdue, timeLeftMs } from '../../domain/calendar';
import {
  remainingUses,
  SEAL_USE_REQUESTER_ROLES,
  type SealUseDocument,
  type SealUseHandoverDecisionBody,
  sealUseHandoverWorkflowId,
} from '../../domain/seal-use';
import { sealUseHandoverDecidedSignal } from '../../workflows/seal-use-handover-messages';
import type { AppContext } from '../context';
import { badRequest, conflict, forbidden, notFound } from '../errors';
import { actorOf, type Principal, type RequestMeta } from '../principal';
import type { PersonRef } from './seal-custodians';

export interface SealUseHandoverView {
  id: string;
  authorisationId: string;
  sealId: string;
  organisationId: string;
  status: SealUseHandover['status'];
  granteeId: string;
  authorisationStatus: string;
}

/** What the leader's page shows: the authorisation handed over, who left, the deadline, and the decision. */
export interface SealUseHandoverDetail {
  id: string;
  status: SealUseHandover['status'];
  reason: string;
  openedAt: string;
  dueAt: string | null;
  dueProvisional: boolean;
  overdue: boolean;
  timeLeftMs: number | null;
  organisationName: string;
  seal: { id: string; name: string };
  leaving: PersonRef;
  authorisation: {
    id: string;
    status: string;
    documents: SealUseDocument[];
    maxUses: number;
    remainingUses: number;
    validFrom: string;
    validTo: string;
    holder: PersonRef;
  };
  decision: { by: PersonRef; at: string; grantee: PersonRef | null; comment: string | null } | null;
  /** Who the leader may keep it for (only while open). */
  candidates: PersonRef[];
}

const person = (u: AppUser | null | undefined): PersonRef => ({
  username: u?.username ?? '',
  displayName: u?.displayName ?? '',
});

export class SealUseHandoverService {
  constructor(private readonly ctx: AppContext) {}

  async decide(
    principal: Principal,
    id: string,
    body: SealUseHandoverDecisionBody,
    meta: RequestMeta,
  ): Promise<SealUseHandoverView> {
    const handover = await this.leadersHandover(principal, id);
    const grantee = body.decision === 'keep' ? await this.grantee(principal, handover, body.grantee) : null;
    const view = await this.ctx.em().transactional(async (tx) => {
      const closed = await tx.nativeUpdate(
        SealUseHandover,
        { id, status: 'pending' },
        {
          status: grantee ? 'kept' : 'revoked',
          newGranteeId: grantee?.id ?? null,
          decidedBy: principal.userId,
          decidedAt: new Date(),
          decisionComment: body.comment || null,
        },
      );
      if (closed !== 1) throw conflict('该事项已经决定，不能再次决定');
      await tx.nativeUpdate(
        SealUseAuthorisation,
        { id: handover.authorisationId, status: 'active' },
        grantee ? { granteeId: grantee.id } : { status: 'revoked' },
      );
      await recordAudit(tx, {
        actor: actorOf(principal),
        action: grantee ? 'seal_use.authorisation_keep' : 'seal_use.authorisation_revoke',
        targetType: 'seal_use_authorisation',
        targetId: handover.authorisationId,
        outcome: 'success',
        details: {
          handoverId: id,
          leavingUserId: handover.leavingUserId,
          granteeId: grantee?.id ?? null,
          comment: body.comment ?? null,
        },
        eventKey: `seal-use-handover:${id}`,
        requestId: meta.requestId,
        ip: meta.ip,
      });
      const authorisation = await tx.findOneOrFail(
        SealUseAuthorisation,
        { id: handover.authorisationId },
        { disableIdentityMap: true },
      );
      return {
        id,
        authorisationId: authorisation.id,
        sealId: handover.sealId,
        organisationId: handover.organisationId,
        status: grantee ? ('kept' as const) : ('revoked' as const),
        granteeId: authorisation.granteeId,
        authorisationStatus: authorisation.status,
      };
    });
    // The deadline workflow need not remind any more; its activities check the row anyway, so a lost signal (or
    // a decision opened before the workflow existed) changes nothing.
    await this.ctx.temporal.workflow
      .getHandle(sealUseHandoverWorkflowId(id))
      .signal(sealUseHandoverDecidedSignal)
      .catch(() => undefined);
    return view;
  }

  /** The decision as the leader's page shows it. */
  async detail(principal: Principal, id: string, now: Date): Promise<SealUseHandoverDetail> {
    const h = await this.leadersHandover(principal, id);
    const em = this.ctx.em();
    const a = await em.findOneOrFail(
      SealUseAuthorisation,
      { id: h.authorisationId },
      { disableIdentityMap: true },
    );
    const ids = [h.leavingUserId, a.granteeId, h.decidedBy, h.newGranteeId].filter((x): x is string => !!x);
    const [unit, seal, people] = await Promise.all([
      em.findOneOrFail(Organisation, { id: h.organisationId }),
      em.findOneOrFail(Seal, { id: h.sealId }, { fields: ['id', 'name'] }),
      em.find(AppUser, { id: { $in: ids } }),
    ]);
    const who = (userId: string | null) => person(people.find((p) => p.id === userId));
    return {
      id: h.id,
      status: h.status,
      reason: h.reason,
      openedAt: h.createdAt.toISOString(),
      dueAt: h.dueAt?.toISOString() ?? null,
      dueProvisional: h.dueProvisional,
      overdue: h.status === 'pending' && isOverdue(h.dueAt, now),
      timeLeftMs: h.status === 'pending' ? timeLeftMs(h.dueAt, now) : null,
      organisationName: unit.name,
      seal: { id: seal.id, name: seal.name },
      leaving: who(h.leavingUserId),
      authorisation: {
        id: a.id,
        status: a.status,
        documents: a.documents,
        maxUses: a.maxUses,
        remainingUses: remainingUses(a),
        validFrom: a.validFrom.toISOString(),
        validTo: a.validTo.toISOString(),
        holder: who(a.granteeId),
      },
      decision:
        h.status === 'pending' || !h.decidedAt
          ? null
          : {
              by: who(h.decidedBy),
              at: h.decidedAt.toISOString(),
              grantee: h.newGranteeId ? who(h.newGranteeId) : null,
              comment: h.decisionComment,
            },
      candidates: h.status === 'pending' ? (await this.eligible(h)).map(person) : [],
    };
  }

  /** The decision, if the caller is a leader of the seal's unit. */
  private async leadersHandover(principal: Principal, id: string): Promise<SealUseHandover> {
    const handover = await this.ctx.em().findOne(SealUseHandover, { id }, { disableIdentityMap: true });
    if (!handover) throw notFound('用印授权移交事项');
    if (!principal.roles.includes('unit_leader') || principal.organisationId !== handover.organisationId) {
      throw forbidden('只有该印章所属单位的负责人可以决定离岗人员的证照签发用印授权');
    }
    return handover;
  }

  /**
   * Who may hold the kept authorisation: active staff of the seal's unit with a role that may ask to use its seals
   * (SM-12), not the person who left, no business-system account.
   */
  private async eligible(h: SealUseHandover): Promise<AppUser[]> {
    const rows = await this.ctx
      .em()
      .find(
        AppUser,
        { organisationId: h.organisationId, active: true, holderCode: null },
        { orderBy: { username: 'asc' }, disableIdentityMap: true },
      );
    return rows.filter(
      (u) =>
        u.id !== h.leavingUserId &&
        !u.roles.includes('licence_system') &&
        u.roles.some((r) => (SEAL_USE_REQUESTER_ROLES as readonly string[]).includes(r)),
    );
  }

  /** The person who holds the kept authorisation: the deciding leader, or an eligible person of the unit. */
  private async grantee(principal: Principal, h: SealUseHandover, username: string | undefined) {
    if (!username) return { id: principal.userId };
    const person = (await this.eligible(h)).find((u) => u.username === username);
    if (!person) {
      throw badRequest([
        {
          field: 'grantee',
          rule: 'eligible_person',
          message: '授权人应为本单位在岗的印章申请人或单位负责人，且不能是离岗人员本人',
        },
      ]);
    }
    return { id: person.id };
  }
}

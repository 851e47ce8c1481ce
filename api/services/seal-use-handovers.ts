/**
 * Issue 15 Build 3 (SM-12): a standing licence-signing authorisation whose holder left or moved waits for the
 * leader of the seal's unit (usecases/person-change.ts opens the decision). The leader keeps it, for themselves or
 * a named active person of the unit, or revokes it; one transaction changes the authorisation, closes the decision
 * and audits it. The open decisions are 待办 tasks of the unit's leaders (seal-use-handover-inbox.ts).
 */
import { AppUser } from '../../db/entities';
import { SealUseAuthorisation, SealUseHandover } from '../../db/seal-use-entities';
import { recordAudit } from '../../db/audit';
import type { SealUseHandoverDecisionBody } from '../../domain/seal-use';
import type { AppContext } from '../context';
import { badRequest, conflict, forbidden, notFound } from '../errors';
import { actorOf, type Principal, type RequestMeta } from '../principal';

export interface SealUseHandoverView {
  id: string;
  authorisationId: string;
  sealId: string;
  organisationId: string;
  status: SealUseHandover['status'];
  granteeId: string;
  authorisationStatus: string;
}

export class SealUseHandoverService {
  constructor(private readonly ctx: AppContext) {}

  async decide(
    principal: Principal,
    id: string,
    body: SealUseHandoverDecisionBody,
    meta: RequestMeta,
  ): Promise<SealUseHandoverView> {
    const em = this.ctx.em();
    const handover = await em.findOne(SealUseHandover, { id }, { disableIdentityMap: true });
    if (!handover) throw notFound('用印授权移交事项');
    if (!principal.roles.includes('unit_leader') || principal.organisationId !== handover.organisationId) {
      throw forbidden('只有该印章所属单位的负责人可以决定离岗人员的证照签发用印授权');
    }
    const grantee = body.decision === 'keep' ? await this.grantee(principal, handover, body.grantee) : null;
    return em.transactional(async (tx) => {
      const closed = await tx.nativeUpdate(
        SealUseHandover,
        { id, status: 'pending' },
        {
          status: grantee ? 'kept' : 'revoked',
          newGranteeId: grantee?.id ?? null,
          decidedBy: principal.userId,
          decidedAt: new Date(),
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
        status: grantee ? 'kept' : 'revoked',
        granteeId: authorisation.granteeId,
        authorisationStatus: authorisation.status,
      };
    });
  }

  /** The person who holds the kept authorisation: the deciding leader, or an active person of the seal's unit. */
  private async grantee(principal: Principal, h: SealUseHandover, username: string | undefined) {
    if (!username) return { id: principal.userId };
    const person = await this.ctx.em().findOne(AppUser, { username }, { disableIdentityMap: true });
    if (
      !person ||
      !person.active ||
      person.organisationId !== h.organisationId ||
      person.id === h.leavingUserId
    ) {
      throw badRequest([
        { field: 'grantee', rule: 'unit_person', message: '授权人应为本单位在岗人员，且不能是离岗人员本人' },
      ]);
    }
    return { id: person.id };
  }
}

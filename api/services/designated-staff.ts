/**
 * Designated staff (LM-24): every issuing and using unit names a person responsible for its licence work (and a
 * deputy). The unit's leader or an administrator of a management unit over it names them; a change closes the
 * current assignment and opens the next, so the history stays. A management unit sees which units in its
 * jurisdiction have nobody named (a violation to act on).
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { recordAudit } from '../../db/audit';
import { DesignatedStaff } from '../../db/dispute-entities';
import { AppUser, Organisation } from '../../db/entities';
import { assertCanSeeOrganisationRecords, isManagementOverseer } from '../access';
import type { AppContext } from '../context';
import { badRequest, forbidden, notFound } from '../errors';
import { actorOf, Principal, RequestMeta } from '../principal';
import { parse } from '../validation';

const Username = z.string().trim().min(1).max(64);
export const DesignatedStaffBody = z.object({ responsible: Username, deputy: Username.optional() }).strict();

type Position = 'responsible' | 'deputy';

export class DesignatedStaffService {
  constructor(private readonly ctx: AppContext) {}

  /** The current responsible person and deputy, and every earlier assignment. */
  async get(principal: Principal, organisationId: string) {
    const em = this.ctx.em();
    if (!(await em.findOne(Organisation, { id: organisationId }))) throw notFound('单位');
    await assertCanSeeOrganisationRecords(principal, organisationId, em, this.ctx.jurisdictions);
    const rows = await em.find(DesignatedStaff, { organisationId }, { orderBy: { sinceAt: 'desc' } });
    const users = new Map(
      (await em.find(AppUser, { id: { $in: rows.map((r) => r.userId) } })).map((u) => [u.id, u]),
    );
    const item = (r: DesignatedStaff) => ({
      position: r.position,
      username: users.get(r.userId)?.username ?? null,
      displayName: users.get(r.userId)?.displayName ?? null,
      assignedBy: r.assignedBy,
      since: r.sinceAt.toISOString(),
      until: r.untilAt?.toISOString() ?? null,
    });
    const current = (p: Position) => {
      const r = rows.find((x) => x.position === p && !x.untilAt);
      return r ? item(r) : null;
    };
    return {
      organisationId,
      responsible: current('responsible'),
      deputy: current('deputy'),
      history: rows.map(item),
    };
  }

  /** Names the unit's responsible person and deputy (its own staff), closing the current ones. */
  async put(principal: Principal, organisationId: string, raw: unknown, meta: RequestMeta) {
    const body = parse(DesignatedStaffBody, raw);
    const em = this.ctx.em();
    const unit = await em.findOne(Organisation, { id: organisationId });
    if (!unit) throw notFound('单位');
    await this.assertMayAssign(principal, unit);
    if (body.deputy && body.deputy === body.responsible) {
      throw badRequest([{ field: 'deputy', rule: 'distinct', message: '副责任人不能与责任人是同一人' }]);
    }
    const named: Array<[Position, string]> = [['responsible', body.responsible]];
    if (body.deputy) named.push(['deputy', body.deputy]);
    const users: Array<{ position: Position; user: AppUser }> = [];
    for (const [position, username] of named) {
      const user = await em.findOne(AppUser, { username, organisationId, active: true });
      if (!user) {
        throw badRequest([{ field: position, rule: 'own_staff', message: `${username} 不是本单位在职人员` }]);
      }
      users.push({ position, user });
    }
    const now = new Date();
    await em.transactional(async (tx) => {
      await tx.nativeUpdate(DesignatedStaff, { organisationId, untilAt: null }, { untilAt: now });
      for (const { position, user } of users) {
        tx.create(DesignatedStaff, {
          id: randomUUID(),
          organisationId,
          position,
          userId: user.id,
          assignedBy: principal.username,
          sinceAt: now,
        });
      }
      await tx.flush();
      await recordAudit(tx, {
        actor: actorOf(principal),
        action: 'designated_staff.update',
        targetType: 'organisation',
        targetId: organisationId,
        outcome: 'success',
        details: Object.fromEntries(named),
        requestId: meta.requestId,
        ip: meta.ip,
      });
    });
    return this.get(principal, organisationId);
  }

  private async assertMayAssign(principal: Principal, unit: Organisation) {
    if (principal.organisationId === unit.id && principal.roles.includes('unit_leader')) return;
    if (
      principal.roles.includes('platform_admin') &&
      principal.organisationFunctions.includes('management_unit') &&
      (await this.ctx.jurisdictions.isWithin(principal.jurisdictionId, unit.jurisdictionId))
    )
      return;
    throw forbidden('只有本单位负责人或管辖范围内管理单位的平台管理员可以指定责任人');
  }

  /**
   * LM-24: issuing and using units in the caller's jurisdiction without a current responsible person or deputy,
   * each naming which is missing.
   */
  async missing(principal: Principal) {
    if (!isManagementOverseer(principal)) throw forbidden('只有管理单位的监督管理人员可以查看');
    const em = this.ctx.em();
    const jurisdictions = await this.ctx.jurisdictions.within(principal.jurisdictionId);
    const units = await em.find(
      Organisation,
      {
        jurisdictionId: { $in: jurisdictions },
        $or: [{ functions: { $contains: ['issuing_unit'] } }, { functions: { $contains: ['using_unit'] } }],
      },
      { orderBy: { id: 'asc' } },
    );
    const current = await em.find(DesignatedStaff, {
      organisationId: { $in: units.map((u) => u.id) },
      untilAt: null,
    });
    const lacking = (unitId: string): Position[] =>
      (['responsible', 'deputy'] as const).filter(
        (p) => !current.some((r) => r.organisationId === unitId && r.position === p),
      );
    return {
      items: units
        .map((u) => ({ organisationId: u.id, name: u.name, functions: u.functions, missing: lacking(u.id) }))
        .filter((u) => u.missing.length > 0),
    };
  }
}

/**
 * Organisations kept in the platform (issue 15, Build 1; LM-3, LM-5, SM-2): a management unit's administrator
 * creates, edits and closes the units inside its own jurisdiction. Every change is a new version with the day it
 * takes effect, and an audit entry; the `organisation` row holds the current state.
 */
import { canSeeUnitRegistry } from '../access';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { z } from 'zod';
import { recordAudit } from '../../db/audit';
import { AppUser, Jurisdiction, Organisation } from '../../db/entities';
import { OrganisationVersion } from '../../db/organisation-entities';
import {
  ensureBaseline,
  OrganisationState,
  pickState,
  writeVersion,
} from '../../usecases/organisation-versions';
import { shanghaiDate } from '../../domain/format';
import {
  effectiveDateProblem,
  plainText,
  rolesNotAllowed,
  usccProblem,
} from '../../domain/organisation-registry';
import { ORGANISATION_FUNCTIONS } from '../../domain/roles';
import type { AppContext } from '../context';
import { ApiError, badRequest, conflict, forbidden, notFound } from '../errors';
import { actorOf, Principal, RequestMeta } from '../principal';
import { parse } from '../validation';

const Day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, '日期格式应为 YYYY-MM-DD')
  .refine((v) => {
    const d = new Date(`${v}T00:00:00Z`);
    return !Number.isNaN(d.getTime()) && d.toISOString().startsWith(v);
  }, '不是有效的日期');
const Functions = z
  .array(z.enum(ORGANISATION_FUNCTIONS))
  .min(1)
  .refine((fs) => new Set(fs).size === fs.length, '职能不能重复');
const Fields = {
  name: plainText(2, 100),
  uscc: z.string().trim().toUpperCase(),
  jurisdictionId: plainText(1, 32),
  parentId: plainText(1, 64).nullable(),
  functions: Functions,
};
const When = { effectiveFrom: Day.optional(), reason: plainText(1, 500).optional() };

export const OrganisationCreateBody = z
  .object({ ...Fields, parentId: Fields.parentId.optional(), ...When })
  .strict();
export const OrganisationUpdateBody = z
  .object({ ...Object.fromEntries(Object.entries(Fields).map(([k, v]) => [k, v.optional()])), ...When })
  .strict() as z.ZodType<
  Partial<z.infer<z.ZodObject<typeof Fields>>> & { effectiveFrom?: string; reason?: string }
>;
export const OrganisationCloseBody = z
  .object({ effectiveFrom: When.effectiveFrom, reason: plainText(1, 500) })
  .strict();

type State = OrganisationState;

export class OrganisationRegistryService {
  constructor(private readonly ctx: AppContext) {}

  /** The caller's jurisdiction and every jurisdiction below it, each with its units. */
  async tree(principal: Principal) {
    if (!principal.organisationFunctions.includes('management_unit')) {
      throw forbidden('只有管理单位的人员可以查看机构树');
    }
    const em = this.ctx.em();
    const ids = await this.ctx.jurisdictions.within(principal.jurisdictionId);
    const jurisdictions = await em.find(Jurisdiction, { id: { $in: ids } }, { orderBy: { id: 'asc' } });
    const units = await em.find(Organisation, { jurisdictionId: { $in: ids } }, { orderBy: { name: 'asc' } });
    return {
      rootId: principal.jurisdictionId,
      jurisdictions: jurisdictions.map((j) => ({
        id: j.id,
        name: j.name,
        level: j.level,
        parentId: j.parentId,
        units: units.filter((u) => u.jurisdictionId === j.id).map(view),
      })),
    };
  }

  async get(principal: Principal, id: string) {
    const em = this.ctx.em();
    const unit = await em.findOne(Organisation, { id });
    if (!unit) throw notFound('单位');
    await this.assertMaySee(principal, unit);
    const versions = await em.find(
      OrganisationVersion,
      { organisationId: id },
      { orderBy: { version: 'desc' } },
    );
    return {
      ...view(unit),
      jurisdictionName: await this.ctx.jurisdictions.name(unit.jurisdictionId),
      history: versions.map((v) => ({
        version: v.version,
        change: v.change,
        name: v.name,
        uscc: v.uscc,
        jurisdictionId: v.jurisdictionId,
        parentId: v.parentId,
        functions: v.functions,
        closed: v.closed,
        effectiveFrom: v.effectiveFrom,
        reason: v.reason,
        changedBy: v.changedBy,
        changedAt: v.changedAt.toISOString(),
      })),
    };
  }

  async create(principal: Principal, raw: unknown, meta: RequestMeta) {
    const body = parse(OrganisationCreateBody, raw);
    const state: State = { ...body, parentId: body.parentId ?? null };
    const effectiveFrom = this.effectiveFrom(body.effectiveFrom);
    await this.assertAdminOver(principal, state.jurisdictionId);
    await this.checkState(this.ctx.em(), null, state, principal);
    const id = `org-${randomUUID()}`;
    await this.ctx.em().transactional(async (tx) => {
      tx.create(Organisation, { id, ...state, createdAt: new Date(), closedAt: null });
      await tx.flush();
      await writeVersion(tx, id, 'created', state, false, effectiveFrom, body.reason, principal.username);
      await this.audit(tx, principal, 'organisation.create', id, { ...state, effectiveFrom }, meta);
    });
    return this.get(principal, id);
  }

  async update(principal: Principal, id: string, raw: unknown, meta: RequestMeta) {
    const body = parse(OrganisationUpdateBody, raw);
    const { effectiveFrom: day, reason, ...changes } = body;
    if (Object.keys(changes).length === 0) {
      throw badRequest([{ field: 'body', rule: 'nothing_to_change', message: '请至少修改一项' }]);
    }
    const effectiveFrom = this.effectiveFrom(day);
    const em = this.ctx.em();
    const unit = await this.openUnit(em, id);
    await this.assertAdminOver(principal, unit.jurisdictionId);
    const state: State = { ...pickState(unit), ...changes };
    if (state.jurisdictionId !== unit.jurisdictionId)
      await this.assertAdminOver(principal, state.jurisdictionId);
    await this.checkState(em, unit, state, principal);
    await this.assertStaffFit(em, unit.id, state);
    await em.transactional(async (tx) => {
      await ensureBaseline(tx, unit);
      await tx.nativeUpdate(Organisation, { id }, state);
      await writeVersion(tx, id, 'updated', state, false, effectiveFrom, reason, principal.username);
      await this.audit(tx, principal, 'organisation.update', id, { ...changes, effectiveFrom }, meta);
    });
    em.clear();
    return this.get(principal, id);
  }

  /** Closes a unit that has no active staff and no open units under it; its records stay. */
  async close(principal: Principal, id: string, raw: unknown, meta: RequestMeta) {
    const body = parse(OrganisationCloseBody, raw);
    const effectiveFrom = this.effectiveFrom(body.effectiveFrom);
    const em = this.ctx.em();
    const unit = await this.openUnit(em, id);
    await this.assertAdminOver(principal, unit.jurisdictionId);
    if ((await em.count(AppUser, { organisationId: id, active: true })) > 0) {
      throw conflict('该单位仍有在职人员，请先调动或停用人员后再撤销');
    }
    if ((await em.count(Organisation, { parentId: id, closedAt: null })) > 0) {
      throw conflict('该单位仍有下属单位，请先撤销或调整下属单位');
    }
    await em.transactional(async (tx) => {
      await ensureBaseline(tx, unit);
      await tx.nativeUpdate(Organisation, { id }, { closedAt: new Date() });
      await writeVersion(
        tx,
        id,
        'closed',
        pickState(unit),
        true,
        effectiveFrom,
        body.reason,
        principal.username,
      );
      await this.audit(tx, principal, 'organisation.close', id, { effectiveFrom, reason: body.reason }, meta);
    });
    em.clear();
    return this.get(principal, id);
  }

  /** An administrator of a management unit whose jurisdiction contains `jurisdictionId` (LM-5). */
  async assertAdminOver(principal: Principal, jurisdictionId: string): Promise<void> {
    const admin =
      principal.roles.includes('platform_admin') &&
      principal.organisationFunctions.includes('management_unit');
    if (admin && (await this.ctx.jurisdictions.isWithin(principal.jurisdictionId, jurisdictionId))) return;
    throw forbidden('只有管辖范围内管理单位的平台管理员可以维护该单位');
  }

  private async assertMaySee(principal: Principal, unit: Organisation) {
    if (!(await canSeeUnitRegistry(principal, unit, this.ctx.jurisdictions)))
      throw forbidden('无权查看其他单位的记录（不在您的管辖范围内）');
  }

  private async openUnit(em: EntityManager, id: string): Promise<Organisation> {
    const unit = await em.findOne(Organisation, { id });
    if (!unit) throw notFound('单位');
    if (unit.closedAt) throw conflict('该单位已撤销');
    return unit;
  }

  private effectiveFrom(day: string | undefined): string {
    const today = shanghaiDate(new Date());
    const effectiveFrom = day ?? today;
    const problem = effectiveDateProblem(effectiveFrom, today);
    if (problem) throw badRequest([{ field: 'effectiveFrom', rule: 'not_future', message: problem }]);
    return effectiveFrom;
  }

  /** The USCC's check character, the jurisdiction, the parent (in reach, open, no cycle), a unique USCC. */
  private async checkState(em: EntityManager, unit: Organisation | null, state: State, principal: Principal) {
    const problem = usccProblem(state.uscc);
    if (problem) throw badRequest([{ field: 'uscc', rule: 'uscc_check', message: problem }]);
    if (!(await em.findOne(Jurisdiction, { id: state.jurisdictionId }))) {
      throw badRequest([{ field: 'jurisdictionId', rule: 'exists', message: '行政区划不存在' }]);
    }
    if (state.parentId) await this.checkParent(em, unit?.id ?? null, state.parentId, principal);
    const other = await em.findOne(Organisation, { uscc: state.uscc, id: { $ne: unit?.id ?? '' } });
    if (other) throw conflict(`统一社会信用代码已被“${other.name}”使用`);
  }

  private async checkParent(em: EntityManager, id: string | null, parentId: string, principal: Principal) {
    const bad = (message: string) => badRequest([{ field: 'parentId', rule: 'parent', message }]);
    const parent = await em.findOne(Organisation, { id: parentId });
    if (!parent || parent.closedAt) throw bad('上级单位不存在或已撤销');
    if (!(await this.ctx.jurisdictions.isWithin(principal.jurisdictionId, parent.jurisdictionId))) {
      throw bad('上级单位不在您的管辖范围内');
    }
    for (
      let p: Organisation | null = parent;
      p;
      p = p.parentId ? await em.findOne(Organisation, { id: p.parentId }) : null
    ) {
      if (p.id === id) throw bad('上级单位不能是本单位或其下属单位');
    }
  }

  /** Functions may not be taken away from under the roles the unit's staff hold (SM-2). */
  private async assertStaffFit(em: EntityManager, id: string, state: State) {
    const staff = await em.find(AppUser, { organisationId: id, active: true });
    const misfits = staff.filter((u) => rolesNotAllowed(u.roles, state.functions).length > 0);
    if (misfits.length > 0) {
      throw new ApiError(
        'CONFLICT',
        `调整后的职能不再允许以下人员的角色：${misfits.map((u) => u.displayName).join('、')}，请先调整其角色`,
        misfits.map((u) => ({ username: u.username, roles: rolesNotAllowed(u.roles, state.functions) })),
      );
    }
  }

  private audit(
    tx: EntityManager,
    principal: Principal,
    action: string,
    id: string,
    details: Record<string, unknown>,
    meta: RequestMeta,
  ) {
    return recordAudit(tx, {
      actor: actorOf(principal),
      action,
      targetType: 'organisation',
      targetId: id,
      outcome: 'success',
      details,
      requestId: meta.requestId,
      ip: meta.ip,
    });
  }
}

function view(o: Organisation) {
  return {
    ...pickState(o),
    id: o.id,
    closed: o.closedAt !== null,
    closedAt: o.closedAt?.toISOString() ?? null,
  };
}

/**
 * People and roles kept in the platform (issue 15, Build 2-3): accounts bound to the identity provider's subject,
 * added, moved and deactivated by their organisation's own administrator or a management unit's administrator over
 * it. A person's roles must be allowed by the organisation's functions (SM-2: a seal reviewer sits in a seal
 * management department). A person who leaves or moves loses their live seal-use authorisations (SM-12), each
 * revoked with its own audit entry.
 */
import { canSeeUnitRegistry } from '../access';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { z } from 'zod';
import { recordAudit } from '../../db/audit';
import { AppUser, AuditEvent, Organisation } from '../../db/entities';
import type { ReleaseReason } from '../../domain/approval-release';
import { plainText, rolesNotAllowed } from '../../domain/organisation-registry';
import { ROLE_LABELS, USER_ROLES, UserRole } from '../../domain/roles';
import type { AppContext } from '../context';
import { badRequest, conflict, forbidden, notFound } from '../errors';
import { actorOf, Principal, RequestMeta } from '../principal';
import { parse } from '../validation';
import type { PersonChange } from '../../usecases/person-change';
import { personChangeWorkflow, personChangeWorkflowId } from '../../workflows/person-change';

const Roles = z
  .array(z.enum(USER_ROLES))
  .min(1)
  .refine((rs) => new Set(rs).size === rs.length, '角色不能重复');
const Reason = plainText(1, 500);

export const PersonCreateBody = z
  .object({
    username: z
      .string()
      .trim()
      .regex(/^[a-z0-9][a-z0-9._-]{2,63}$/, '登录名应为3-64位小写字母、数字、点、下划线或连字符'),
    displayName: plainText(1, 50),
    email: z.email().max(200).nullable().optional(),
    oidcSubject: plainText(1, 255),
    roles: Roles,
  })
  .strict();
export const PersonUpdateBody = z
  .object({
    displayName: plainText(1, 50).optional(),
    email: z.email().max(200).nullable().optional(),
    roles: Roles.optional(),
    organisationId: plainText(1, 64).optional(),
    reason: Reason.optional(),
  })
  .strict();
export const PersonDeactivateBody = z.object({ reason: Reason }).strict();

const PERSON_CHANGE_LABELS: Record<string, string> = {
  'user.create': '新增账号',
  'user.update': '修改信息或角色',
  'user.move': '调动单位',
  'user.deactivate': '停用账号',
};

export class PeopleService {
  constructor(private readonly ctx: AppContext) {}

  /** The unit's people, active first. */
  async list(principal: Principal, organisationId: string) {
    const em = this.ctx.em();
    const unit = await em.findOne(Organisation, { id: organisationId });
    if (!unit) throw notFound('单位');
    await this.assertMaySee(principal, unit);
    const people = await em.find(
      AppUser,
      { organisationId },
      { orderBy: { active: 'desc', username: 'asc' } },
    );
    return { organisationId, items: people.map(view) };
  }

  /** A person, with the history of changes to their account. */
  async get(principal: Principal, id: string) {
    const em = this.ctx.em();
    const person = await em.findOne(AppUser, { id });
    if (!person) throw notFound('人员');
    const unit = await em.findOneOrFail(Organisation, { id: person.organisationId });
    if (principal.userId !== id) await this.assertMaySee(principal, unit);
    const events = await em.find(
      AuditEvent,
      { targetType: 'user', targetId: id },
      { orderBy: { at: 'desc' }, limit: 200 },
    );
    return {
      ...view(person),
      organisationName: unit.name,
      history: events.map((e) => ({
        at: e.at.toISOString(),
        action: e.action,
        label: PERSON_CHANGE_LABELS[e.action] ?? e.action,
        by: e.actorUsername,
        details: e.details,
      })),
    };
  }

  async create(principal: Principal, organisationId: string, raw: unknown, meta: RequestMeta) {
    const body = parse(PersonCreateBody, raw);
    const em = this.ctx.em();
    const unit = await this.openUnit(em, organisationId, 'organisationId');
    await this.assertMayManage(principal, unit);
    assertRolesFit(body.roles, unit);
    if (await em.findOne(AppUser, { username: body.username })) throw conflict('登录名已被使用');
    if (await em.findOne(AppUser, { oidcSubject: body.oidcSubject })) throw conflict('该身份已绑定其他账号');
    const id = `user-${randomUUID()}`;
    await em.transactional(async (tx) => {
      tx.create(AppUser, {
        id,
        ...body,
        email: body.email ?? null,
        organisationId,
        active: true,
        holderCode: null,
      });
      await tx.flush();
      await audit(
        tx,
        principal,
        'user.create',
        id,
        { organisationId, roles: body.roles, username: body.username },
        meta,
      );
    });
    return this.get(principal, id);
  }

  /**
   * Edits a person; a new `organisationId` moves them (the caller must manage both units), through the person-change
   * workflow: their live seal-use authorisations are revoked and their open tasks go back to the old unit.
   */
  async update(principal: Principal, id: string, raw: unknown, meta: RequestMeta) {
    const body = parse(PersonUpdateBody, raw);
    const { reason, organisationId, ...changes } = body;
    if (Object.keys(changes).length === 0 && organisationId === undefined) {
      throw badRequest([{ field: 'body', rule: 'nothing_to_change', message: '请至少修改一项' }]);
    }
    const em = this.ctx.em();
    const person = await this.activePerson(em, id);
    const from = await em.findOneOrFail(Organisation, { id: person.organisationId });
    await this.assertMayManage(principal, from);
    const moving = organisationId !== undefined && organisationId !== from.id;
    const to = moving ? await this.openUnit(em, organisationId, 'organisationId') : from;
    if (moving) await this.assertMayManage(principal, to);
    const roles = changes.roles ?? person.roles;
    assertRolesFit(roles, to);
    const edits = moving ? { ...changes, roles: undefined } : changes;
    const edited = Object.entries(edits).filter(([, v]) => v !== undefined);
    if (edited.length > 0) {
      await em.transactional(async (tx) => {
        await tx.nativeUpdate(AppUser, { id }, Object.fromEntries(edited));
        await audit(tx, principal, 'user.update', id, { ...Object.fromEntries(edited), reason }, meta);
      });
    }
    if (moving) {
      await this.change(principal, id, 'moved', { organisationId: to.id, roles }, reason ?? null, meta);
    }
    em.clear();
    return this.get(principal, id);
  }

  async deactivate(principal: Principal, id: string, raw: unknown, meta: RequestMeta) {
    const body = parse(PersonDeactivateBody, raw);
    if (principal.userId === id) throw conflict('不能停用自己的账号');
    const em = this.ctx.em();
    const person = await this.activePerson(em, id);
    await this.assertMayManage(
      principal,
      await em.findOneOrFail(Organisation, { id: person.organisationId }),
    );
    await this.change(principal, id, 'deactivated', undefined, body.reason, meta);
    em.clear();
    return this.get(principal, id);
  }

  /** Runs the person-change workflow (usecases/person-change.ts) and waits for it. */
  private async change(
    principal: Principal,
    userId: string,
    reason: ReleaseReason,
    move: PersonChange['move'],
    note: string | null,
    meta: RequestMeta,
  ) {
    const change: PersonChange = {
      changeId: randomUUID(),
      userId,
      reason,
      move,
      note,
      actor: actorOf(principal),
      requestId: meta.requestId,
      ip: meta.ip,
    };
    await this.ctx.temporal.workflow.execute(personChangeWorkflow, {
      workflowId: personChangeWorkflowId(userId, change.changeId),
      taskQueue: this.ctx.taskQueue,
      args: [change],
    });
  }

  /** The unit's own administrator, or an administrator of a management unit over it (LM-5). */
  private async assertMayManage(principal: Principal, unit: Organisation) {
    if (principal.roles.includes('platform_admin')) {
      if (principal.organisationId === unit.id) return;
      if (
        principal.organisationFunctions.includes('management_unit') &&
        (await this.ctx.jurisdictions.isWithin(principal.jurisdictionId, unit.jurisdictionId))
      )
        return;
    }
    throw forbidden('只有本单位或管辖范围内管理单位的平台管理员可以维护人员');
  }

  private async assertMaySee(principal: Principal, unit: Organisation) {
    if (!(await canSeeUnitRegistry(principal, unit, this.ctx.jurisdictions)))
      throw forbidden('无权查看其他单位的人员（不在您的管辖范围内）');
  }

  private async openUnit(em: EntityManager, id: string, field: string): Promise<Organisation> {
    const unit = await em.findOne(Organisation, { id });
    if (!unit || unit.closedAt) {
      throw badRequest([{ field, rule: 'open_unit', message: '单位不存在或已撤销' }]);
    }
    return unit;
  }

  private async activePerson(em: EntityManager, id: string): Promise<AppUser> {
    const person = await em.findOne(AppUser, { id });
    if (!person) throw notFound('人员');
    if (!person.active) throw conflict('该人员已停用');
    return person;
  }
}

function assertRolesFit(roles: UserRole[], unit: Organisation) {
  const misfits = rolesNotAllowed(roles, unit.functions);
  if (misfits.length > 0) {
    throw badRequest([
      {
        field: 'roles',
        rule: 'allowed_by_functions',
        message: `“${unit.name}”的职能不允许以下角色：${misfits.map((r) => ROLE_LABELS[r]).join('、')}`,
      },
    ]);
  }
}

function audit(
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
    targetType: 'user',
    targetId: id,
    outcome: 'success',
    details,
    requestId: meta.requestId,
    ip: meta.ip,
  });
}

function view(u: AppUser) {
  return {
    id: u.id,
    username: u.username,
    displayName: u.displayName,
    email: u.email,
    organisationId: u.organisationId,
    roles: u.roles,
    roleLabels: u.roles.map((r) => ROLE_LABELS[r]),
    active: u.active,
  };
}

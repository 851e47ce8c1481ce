/**
 * Issue 16 (LM-16 … LM-18, WP-(三)4, LM-20): what the holder decides and reads about their licence.
 * - 用证授权: the holder authorises a using unit (for a purpose — a service item or case —, a period, full or
 *   masked) or makes a time-limited share link for a third party; either is revocable at once. A live consent
 *   widens licence-access.ts for that unit's verifiers; a share link opens /shared/:token without a login.
 * - The access history: every read of the licence's versions by anyone but the holder (views, exports, searches
 *   by a using unit, uses of a consent or a share link), from the audit log, with who, when and on what basis.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { z } from 'zod';
import { recordAudit } from '../../db/audit';
import { Licence, LicenceType } from '../../db/licence-entities';
import type { AppContext } from '../context';
import { badRequest, forbidden, notFound } from '../errors';
import { actorOf, Principal, RequestMeta } from '../principal';
import { parse } from '../validation';
import { assertLicenceAccess, holderAndDataFor } from './licence-access';

const MAX_DAYS = 366;

export const ConsentBody = z
  .object({
    granteeOrganisationId: z.string().trim().min(1).max(100).optional(),
    share: z.literal(true).optional(),
    purpose: z.string().trim().min(2).max(200),
    fullData: z.boolean(),
    validFrom: z.iso.datetime({ offset: true }).optional(),
    validTo: z.iso.datetime({ offset: true }),
  })
  .strict();

export interface ConsentView {
  id: string;
  kind: 'unit' | 'share';
  granteeOrganisationId: string | null;
  granteeName: string | null;
  purpose: string;
  fullData: boolean;
  validFrom: string;
  validTo: string;
  revokedAt: string | null;
  live: boolean;
}

export interface AccessRecord {
  at: string;
  action: string;
  actionLabel: string;
  who: string;
  organisationName: string | null;
  basis: string | null;
  basisLabel: string;
  purpose: string | null;
  masked: boolean | null;
}

const ACTION_LABELS: Record<string, string> = {
  'licence.view': '查看',
  'licence.export': '导出',
  'licence.versions': '查看版本',
  'licence.events': '查看变更记录',
  'licence.status': '查询状态',
  'licence.copy': '复印件',
  'licence.shared_view': '通过分享链接查看',
  'licence.archive': '核验归档',
};
const BASIS_LABELS: Record<string, string> = {
  issuer: '颁发单位',
  overseer: '管理单位',
  using_unit: '用证清单',
  consent: '持证人授权',
  share: '分享链接',
};

type ConsentRow = {
  id: string;
  grantee_organisation_id: string | null;
  grantee_name: string | null;
  purpose: string;
  full_data: boolean;
  valid_from: Date;
  valid_to: Date;
  revoked_at: Date | null;
};

interface HistoryRow {
  at: Date;
  action: string;
  actor_username: string;
  display_name: string | null;
  org_name: string | null;
  details: { basis?: string; purpose?: string; masked?: boolean } | null;
}

const hashOf = (token: string) => createHash('sha256').update(token).digest('hex');

export class LicenceConsentService {
  constructor(private readonly ctx: AppContext) {}

  /** The licence, if the caller is its holder (403 otherwise, audited). */
  private async ownLicence(principal: Principal, identifier: string, action: string, meta: RequestMeta) {
    const em = this.ctx.em();
    const licence = await em.findOne(Licence, { identifier }, { disableIdentityMap: true });
    if (!licence) throw notFound('证照');
    const access = await assertLicenceAccess(
      principal,
      licence,
      { em, jurisdictions: this.ctx.jurisdictions },
      { action, ...meta },
    );
    if (access.basis !== 'holder') throw forbidden('只有持证人本人可以管理授权和查看使用记录');
    return licence;
  }

  async grant(principal: Principal, identifier: string, raw: unknown, meta: RequestMeta) {
    const body = parse(ConsentBody, raw);
    const licence = await this.ownLicence(principal, identifier, 'licence.consent', meta);
    const validFrom = body.validFrom ? new Date(body.validFrom) : new Date();
    const validTo = new Date(body.validTo);
    const problems = [];
    if (!body.share === !body.granteeOrganisationId) {
      problems.push({
        field: 'granteeOrganisationId',
        rule: 'one_of',
        message: '请选择授权的用证单位，或生成分享链接（二选一）',
      });
    }
    if (validTo <= validFrom || validTo.getTime() - validFrom.getTime() > MAX_DAYS * 86_400_000) {
      problems.push({
        field: 'validTo',
        rule: 'period',
        message: '授权截止时间须晚于开始时间，且期限不超过一年',
      });
    }
    if (problems.length) throw badRequest(problems);
    const conn = this.ctx.em().getConnection();
    if (body.granteeOrganisationId) {
      const [org] = await conn.execute(`select functions from organisation where id = ?`, [
        body.granteeOrganisationId,
      ]);
      if (!org || !(org.functions as string[]).includes('using_unit')) {
        throw badRequest([
          { field: 'granteeOrganisationId', rule: 'not_using_unit', message: '所选单位不是用证单位' },
        ]);
      }
    }
    const id = randomUUID();
    const shareToken = body.share ? randomBytes(24).toString('base64url') : null;
    await conn.execute(
      `insert into licence_consent (id, licence_id, holder_user_id, grantee_organisation_id, share_token_hash,
         purpose, full_data, valid_from, valid_to, created_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, now())`,
      [
        id,
        licence.id,
        principal.userId,
        body.granteeOrganisationId ?? null,
        shareToken && hashOf(shareToken),
        body.purpose,
        body.fullData,
        validFrom,
        validTo,
      ],
    );
    await recordAudit(this.ctx.em(), {
      actor: actorOf(principal),
      action: 'licence.consent',
      targetType: 'licence',
      targetId: licence.identifier,
      outcome: 'success',
      details: { consentId: id, grantee: body.granteeOrganisationId ?? 'share', fullData: body.fullData },
      ...meta,
    });
    const shareUrl = shareToken ? `${this.ctx.config.publicUrl}/shared/${shareToken}` : null;
    return { consent: (await this.consents(licence.id)).find((c) => c.id === id)!, shareUrl };
  }

  async list(principal: Principal, identifier: string, meta: RequestMeta): Promise<ConsentView[]> {
    const licence = await this.ownLicence(principal, identifier, 'licence.consents', meta);
    return this.consents(licence.id);
  }

  async consents(licenceId: string): Promise<ConsentView[]> {
    const rows = await this.ctx
      .em()
      .getConnection()
      .execute<ConsentRow[]>(
        `select c.*, o.name as grantee_name from licence_consent c
         left join organisation o on o.id = c.grantee_organisation_id
        where c.licence_id = ? order by c.created_at desc`,
        [licenceId],
      );
    const now = Date.now();
    return rows.map((r) => ({
      id: r.id,
      kind: r.grantee_organisation_id ? 'unit' : 'share',
      granteeOrganisationId: r.grantee_organisation_id,
      granteeName: r.grantee_name,
      purpose: r.purpose,
      fullData: r.full_data,
      validFrom: new Date(r.valid_from).toISOString(),
      validTo: new Date(r.valid_to).toISOString(),
      revokedAt: r.revoked_at && new Date(r.revoked_at).toISOString(),
      live: !r.revoked_at && new Date(r.valid_from).getTime() <= now && new Date(r.valid_to).getTime() > now,
    }));
  }

  /** POST /api/consents/:id/revoke: the holder who gave it; at once. */
  async revoke(principal: Principal, id: string, meta: RequestMeta): Promise<ConsentView> {
    const conn = this.ctx.em().getConnection();
    const [row] = await conn.execute(
      `select c.licence_id, c.holder_user_id, l.identifier from licence_consent c join licence l on l.id = c.licence_id
        where c.id = ?`,
      [id],
    );
    if (!row) throw notFound('授权');
    if (row.holder_user_id !== principal.userId) throw forbidden('只有授权的持证人可以撤销');
    await conn.execute(`update licence_consent set revoked_at = now() where id = ? and revoked_at is null`, [
      id,
    ]);
    await recordAudit(this.ctx.em(), {
      actor: actorOf(principal),
      action: 'licence.consent_revoke',
      targetType: 'licence',
      targetId: row.identifier,
      outcome: 'success',
      details: { consentId: id },
      ...meta,
    });
    return (await this.consents(row.licence_id)).find((c) => c.id === id)!;
  }

  /** A share link's licence and consent while live, or null. */
  async shared(
    token: string,
  ): Promise<{ licence: Licence; consentId: string; fullData: boolean; purpose: string } | null> {
    const [row] = await this.ctx
      .em()
      .getConnection()
      .execute(
        `select id, licence_id, full_data, purpose from licence_consent
        where share_token_hash = ? and revoked_at is null and valid_from <= now() and valid_to > now()`,
        [hashOf(token)],
      );
    if (!row) return null;
    const licence = await this.ctx
      .em()
      .findOneOrFail(Licence, { id: row.licence_id }, { disableIdentityMap: true });
    return { licence, consentId: row.id, fullData: row.full_data, purpose: row.purpose };
  }

  /** The labels of a licence type version's data items, by key (for faces and the 亮证 item list). */
  async labelsOf(typeCode: string, typeVersion: number): Promise<Record<string, string>> {
    const type = await this.ctx.em().findOne(LicenceType, { code: typeCode, version: typeVersion });
    return Object.fromEntries((type?.definition.dataItems ?? []).map((d) => [d.key, d.label]));
  }

  /** The using units a holder may authorise. */
  usingUnits(): Promise<Array<{ id: string; name: string }>> {
    return this.ctx
      .em()
      .getConnection()
      .execute(`select id, name from organisation where 'using_unit' = any(functions) order by name`);
  }

  /** /shared/:token: the licence as the share link allows (full or masked), the use audited for the holder. */
  async sharedView(token: string, meta: RequestMeta) {
    const shared = await this.shared(token);
    if (!shared) throw notFound('分享链接（已过期或已撤销）');
    const type = await this.ctx.em().findOneOrFail(LicenceType, { id: shared.licence.typeId });
    const { holder, data } = holderAndDataFor(shared.licence, type.definition, shared.fullData);
    const labels = Object.fromEntries(type.definition.dataItems.map((d) => [d.key, d.label]));
    await recordAudit(this.ctx.em(), {
      actor: { userId: null, username: 'anonymous', roles: [], organisationId: null },
      action: 'licence.shared_view',
      targetType: 'licence',
      targetId: shared.licence.identifier,
      outcome: 'success',
      details: {
        basis: 'share',
        masked: !shared.fullData,
        purpose: shared.purpose,
        consentId: shared.consentId,
      },
      ...meta,
    });
    return {
      licence: { name: shared.licence.name, identifier: shared.licence.identifier },
      holder,
      purpose: shared.purpose,
      face: Object.entries(data).map(([k, v]) => ({ label: labels[k] ?? k, value: String(v) })),
    };
  }

  /** GET /api/licenses/:identifier/access-history: who read the licence (any version), newest first. */
  async accessHistory(principal: Principal, identifier: string, meta: RequestMeta): Promise<AccessRecord[]> {
    const licence = await this.ownLicence(principal, identifier, 'licence.access_history', meta);
    const rows = await this.ctx
      .em()
      .getConnection()
      .execute<HistoryRow[]>(
        `select a.at, a.action, a.actor_username, u.display_name, o.name as org_name, a.details
         from audit_event a
         left join app_user u on u.id = a.actor_user_id
         left join organisation o on o.id = a.actor_organisation_id
        where a.target_type = 'licence' and a.outcome = 'success'
          and a.target_id in (select identifier from licence where series_id = ?)
          and a.action = any(string_to_array(?, ',')) and coalesce(a.actor_user_id, '') <> ?
        order by a.at desc limit 200`,
        [licence.seriesId, Object.keys(ACTION_LABELS).join(','), principal.userId],
      );
    return rows.map((r) => ({
      at: new Date(r.at).toISOString(),
      action: r.action,
      actionLabel: ACTION_LABELS[r.action] ?? r.action,
      who: r.display_name ?? (r.actor_username === 'anonymous' ? '分享链接访问者' : r.actor_username),
      organisationName: r.org_name ?? null,
      basis: r.details?.basis ?? null,
      basisLabel: BASIS_LABELS[r.details?.basis ?? ''] ?? '—',
      purpose: r.details?.purpose ?? null,
      masked: typeof r.details?.masked === 'boolean' ? r.details.masked : null,
    }));
  }
}

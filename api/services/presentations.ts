/**
 * Issue 16 (WP-(三)3, LM-20): 亮证. The holder asks for a token showing the items they chose
 * (pki/presentation-token.ts); the licence gets its place in the Token Status List the first time it is shown
 * (licence_status_index); the lists are made on request from the licences' current states and signed with the
 * presentation key, whose public JWK is published for offline verifiers.
 */
import { z } from 'zod';
import { recordAudit } from '../../db/audit';
import { Organisation } from '../../db/entities';
import { Licence, LicenceType } from '../../db/licence-entities';
import { currentStatus } from '../../domain/licence';
import { denseQrSvg } from '../../infra/qr';
import { presentationKeyFrom, PresentationKey, PublicEcJwk } from '../../pki/presentation-key';
import { disclosableItems, issuePresentation } from '../../pki/presentation-token';
import { STATUS_LIST_SIZE, statusListJwt, statusListPlace } from '../../pki/status-list';
import type { AppContext } from '../context';
import { badRequest, forbidden, notFound } from '../errors';
import { actorOf, Principal, RequestMeta } from '../principal';
import { parse } from '../validation';
import { assertLicenceAccess } from './licence-access';

export const PresentBody = z
  .object({ disclose: z.array(z.string().trim().min(1).max(60)).min(1).max(120) })
  .strict();

export interface PresentationAnswer {
  token: string;
  /** The link a phone opens (the token in the fragment, never sent to a server). */
  url: string;
  qrSvg: string;
  expiresAt: string;
  disclosed: string[];
}

export const presentationVerifyPath = '/presentations/verify';

export class PresentationService {
  readonly key: PresentationKey;

  constructor(private readonly ctx: AppContext) {
    this.key = presentationKeyFrom(ctx.config.presentationKeySecret);
  }

  publicJwks(): { keys: PublicEcJwk[] } {
    return { keys: [this.key.publicJwk] };
  }

  /**
   * The data items' labels of every published licence type, by type code then item key: public (the catalogue's),
   * fetched by a verifier with the key, since the 亮证 token leaves them out to stay short.
   */
  async itemLabels(): Promise<Record<string, Record<string, string>>> {
    const types = await this.ctx
      .em()
      .find(
        LicenceType,
        { status: 'published' },
        { fields: ['code', 'definition'], orderBy: { code: 'asc' } },
      );
    return Object.fromEntries(
      types.map((t) => [t.code, Object.fromEntries(t.definition.dataItems.map((d) => [d.key, d.label]))]),
    );
  }

  statusListUri(listId: string): string {
    return `${this.ctx.config.publicUrl}/api/status-lists/${listId}`;
  }

  /** POST /api/licenses/:identifier/presentations: only the holder shows their licence. */
  async present(principal: Principal, identifier: string, raw: unknown, meta: RequestMeta) {
    const body = parse(PresentBody, raw);
    const em = this.ctx.em();
    const licence = await em.findOne(Licence, { identifier }, { disableIdentityMap: true });
    if (!licence) throw notFound('证照');
    const access = await assertLicenceAccess(
      principal,
      licence,
      { em, jurisdictions: this.ctx.jurisdictions },
      { action: 'licence.present', ...meta },
    );
    if (access.basis !== 'holder') throw forbidden('只有持证人本人可以亮证');
    const allowed = new Set(disclosableItems(licence));
    const unknown = body.disclose.filter((d) => !allowed.has(d));
    if (unknown.length) {
      throw badRequest([
        { field: 'disclose', rule: 'unknown_item', message: `没有这些数据项：${unknown.join('、')}` },
      ]);
    }
    const [type, issuer] = await Promise.all([
      em.findOneOrFail(LicenceType, { id: licence.typeId }),
      em.findOneOrFail(Organisation, { id: licence.issuerOrganisationId }),
    ]);
    const place = statusListPlace(await this.statusIndex(licence.id));
    const issued = await issuePresentation(this.key, {
      licence: { ...licence, typeName: type.name, issuerName: issuer.name },
      disclose: body.disclose,
      issuer: this.ctx.config.publicUrl,
      status: { uri: this.statusListUri(place.listId), idx: place.idx },
      now: new Date(),
    });
    await recordAudit(em, {
      actor: actorOf(principal),
      action: 'licence.present',
      targetType: 'licence',
      targetId: licence.identifier,
      outcome: 'success',
      details: { disclosed: body.disclose, nonce: issued.nonce },
      ...meta,
    });
    const url = `${this.ctx.config.publicUrl}${presentationVerifyPath}#${issued.token}`;
    return {
      token: issued.token,
      url,
      qrSvg: await denseQrSvg(url),
      expiresAt: issued.expiresAt,
      disclosed: body.disclose,
    };
  }

  /** The licence's global index in the status lists, allocated once. */
  private async statusIndex(licenceId: string): Promise<number> {
    const conn = this.ctx.em().getConnection();
    await conn.execute(`insert into licence_status_index (licence_id) values (?) on conflict do nothing`, [
      licenceId,
    ]);
    const [row] = await conn.execute<Array<{ idx: string }>>(
      `select idx from licence_status_index where licence_id = ?`,
      [licenceId],
    );
    return Number(row.idx);
  }

  /** GET /api/status-lists/:id: the signed list as of now (a licence not in force has its bit set). */
  async statusList(listId: string): Promise<string> {
    if (!/^\d{1,6}$/.test(listId)) throw notFound('状态列表');
    const from = Number(listId) * STATUS_LIST_SIZE;
    const rows = await this.ctx
      .em()
      .getConnection()
      .execute<Array<{ idx: string; status: Licence['status']; valid_to: string | null }>>(
        `select s.idx, l.status, l.valid_to::text as valid_to from licence_status_index s join licence l on l.id = s.licence_id
          where s.idx >= ? and s.idx < ?`,
        [from, from + STATUS_LIST_SIZE],
      );
    const now = new Date();
    const invalid = rows
      .filter((r) => currentStatus(r.status, r.valid_to, now) !== 'valid')
      .map((r) => Number(r.idx) - from);
    return statusListJwt(this.key, this.statusListUri(listId), invalid, now);
  }
}

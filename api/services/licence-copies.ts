/**
 * A stored licence's face and its copies (SM-10): the face input from the database (the type version it was issued
 * under, the issuer's seal imprint), and the printable copy — masked, marked 视同复印件, with a QR code opening the
 * public verification page with the licence's access code (pki/licence-access-code.ts) — as HTML and as PDF.
 * The public pages show the masked face and the copies only to a caller who presents the access code (issue 11);
 * each public copy is recorded (recordPublicCopy).
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { Seal } from '../../db/entities';
import { Licence, LicenceType } from '../../db/licence-entities';
import { licenceVerifyUrl, normaliseIdentifier } from '../../domain/licence';
import type { LicenceTypeDefinition } from '../../domain/licence-type';
import { PdfRendererBusy, renderPdf } from '../../infra/pdf';
import { qrSvg } from '../../infra/qr';
import { AuditActor, recordAudit } from '../../db/audit';
import { accessCodeMatches, licenceAccessCode } from '../../pki/licence-access-code';
import type { AppContext } from '../context';
import { ApiError, notFound } from '../errors';
import { actorOf, Principal } from '../principal';
import { FaceInput, renderFace, renderFaceDocument } from './licence-face';

/** An ASCII file name for a copy (Content-Disposition), the identifier being ASCII already. */
export function licenceCopyFilename(identifier: string): string {
  return `licence-copy-${normaliseIdentifier(identifier).replace(/[^0-9A-Z.-]/g, '_')}.pdf`;
}

export interface LicenceFaceSource {
  licence: Licence;
  definition: LicenceTypeDefinition;
  sealImprintDataUrl: string | undefined;
}

/** The licence, its type version's definition and its seal's imprint; null when there is no such licence. */
export async function loadLicenceFace(
  em: EntityManager,
  identifier: string,
): Promise<LicenceFaceSource | null> {
  const licence = await em.findOne(
    Licence,
    { identifier: normaliseIdentifier(identifier) },
    { disableIdentityMap: true },
  );
  if (!licence) return null;
  const [type, seal] = await Promise.all([
    em.findOneOrFail(LicenceType, { id: licence.typeId }, { disableIdentityMap: true }),
    em.findOne(Seal, { id: licence.sealId }, { disableIdentityMap: true }),
  ]);
  return {
    licence,
    definition: type.definition,
    sealImprintDataUrl: seal
      ? `data:${seal.imprintMediaType};base64,${Buffer.from(seal.imprint).toString('base64')}`
      : undefined,
  };
}

/** The face input for a stored licence. */
export function faceInputOf(
  source: LicenceFaceSource,
  options: { masked: boolean; copy: boolean; publicUrl: string; qrSvg?: string; accessCode?: string },
): FaceInput {
  return {
    definition: source.definition,
    metadata: source.licence.metadata,
    data: source.licence.data,
    masked: options.masked,
    copy: options.copy,
    verifyUrl: licenceVerifyUrl(options.publicUrl, source.licence.identifier, options.accessCode),
    qrSvg: options.qrSvg,
    sealImprintDataUrl: source.sealImprintDataUrl,
  };
}

/** The face as an HTML fragment for a page (not a copy: no 视同复印件, no QR). */
export function licenceFaceHtml(
  source: LicenceFaceSource,
  options: { masked: boolean; publicUrl: string },
): string {
  return renderFace(faceInputOf(source, { ...options, copy: false }));
}

/** The printable masked copy (视同复印件 + a QR code with the access code) as a whole HTML document. */
async function copyHtml(source: LicenceFaceSource, publicUrl: string, accessCode: string): Promise<string> {
  const verifyUrl = licenceVerifyUrl(publicUrl, source.licence.identifier, accessCode);
  return renderFaceDocument({
    ...faceInputOf(source, {
      masked: true,
      copy: true,
      publicUrl,
      accessCode,
      qrSvg: await qrSvg(verifyUrl),
    }),
    title: `${source.licence.name}（副本）${source.licence.identifier}`,
  });
}

async function copyPdf(html: string): Promise<Buffer> {
  try {
    return await renderPdf(html);
  } catch (err) {
    if (err instanceof PdfRendererBusy) throw new ApiError('UNAVAILABLE', 'PDF 副本生成繁忙，请稍后再试');
    throw err;
  }
}

export type CopyFormat = 'html' | 'pdf';

export interface PublicCopyMeta {
  principal?: Principal;
  requestId?: string;
  ip?: string;
}

const ANONYMOUS: AuditActor = { userId: null, username: 'anonymous', roles: [], organisationId: null };

/**
 * Records one public copy of a licence, or a refused one (issue 11: copies are audited). The one place that does,
 * so that the per-identifier-and-day counting of anonymous use can take it over without touching the routes.
 */
export function recordPublicCopy(
  em: EntityManager,
  p: PublicCopyMeta & { identifier: string; format: CopyFormat; outcome: 'success' | 'denied' },
): Promise<void> {
  return recordAudit(em, {
    actor: p.principal ? actorOf(p.principal) : ANONYMOUS,
    action: 'licence.copy',
    targetType: 'licence',
    targetId: p.identifier,
    outcome: p.outcome,
    details: { format: p.format, channel: 'page' },
    requestId: p.requestId,
    ip: p.ip,
  });
}

/** The faces and copies for the pages, over the context's database and public address. */
export class LicenceCopyService {
  constructor(private readonly ctx: AppContext) {}

  face(identifier: string): Promise<LicenceFaceSource | null> {
    return loadLicenceFace(this.ctx.em(), identifier);
  }

  /** The licence's access code, for those who may see it (its pages, its copies' QR codes). */
  accessCode(identifier: string): string {
    return licenceAccessCode(this.ctx.config.licenceAccessCodeSecret, normaliseIdentifier(identifier));
  }

  /** Whether `code` opens the licence's masked face and copies. */
  codeMatches(identifier: string, code: unknown): boolean {
    return accessCodeMatches(this.ctx.config.licenceAccessCodeSecret, normaliseIdentifier(identifier), code);
  }

  /**
   * A public copy (SM-10): 404 for a licence the platform does not have, 403 without its access code (both
   * audited), else the masked copy, recorded.
   */
  async publicCopy(identifier: string, code: unknown, format: 'html', meta: PublicCopyMeta): Promise<string>;
  async publicCopy(identifier: string, code: unknown, format: 'pdf', meta: PublicCopyMeta): Promise<Buffer>;
  async publicCopy(
    identifier: string,
    code: unknown,
    format: CopyFormat,
    meta: PublicCopyMeta,
  ): Promise<string | Buffer> {
    const em = this.ctx.em();
    const normalised = normaliseIdentifier(identifier).slice(0, 200);
    const source = await loadLicenceFace(em, normalised);
    if (!source) throw notFound('证照');
    if (!this.codeMatches(normalised, code)) {
      await recordPublicCopy(em, { ...meta, identifier: normalised, format, outcome: 'denied' });
      const error = new ApiError(
        'FORBIDDEN',
        '证照副本需要访问码：请扫描证照副本上的二维码，或向持证主体索取带访问码的核验链接',
      );
      error.audited = true;
      throw error;
    }
    const html = await copyHtml(source, this.ctx.config.publicUrl, this.accessCode(normalised));
    const copy = format === 'pdf' ? await copyPdf(html) : html;
    await recordPublicCopy(em, { ...meta, identifier: normalised, format, outcome: 'success' });
    return copy;
  }
}

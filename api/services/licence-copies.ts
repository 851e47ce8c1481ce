/**
 * A stored licence's face and its copies (SM-10): the face input from the database (the type version it was issued
 * under, the issuer's seal imprint), and the printable copy — masked, marked 视同复印件, with a QR code opening the
 * public verification page — as HTML and as PDF. Callers check access first: the public verification pages show
 * only masked faces, and `GET /api/licenses/:identifier/copy.pdf` calls renderLicenceCopyPdf after its own check.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { Seal } from '../../db/entities';
import { Licence, LicenceType } from '../../db/licence-entities';
import { licenceVerifyUrl, normaliseIdentifier } from '../../domain/licence';
import type { LicenceTypeDefinition } from '../../domain/licence-type';
import { PdfRendererBusy, renderPdf } from '../../infra/pdf';
import { qrSvg } from '../../infra/qr';
import type { AppContext } from '../context';
import { ApiError, notFound } from '../errors';
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
  options: { masked: boolean; copy: boolean; publicUrl: string; qrSvg?: string },
): FaceInput {
  return {
    definition: source.definition,
    metadata: source.licence.metadata,
    data: source.licence.data,
    masked: options.masked,
    copy: options.copy,
    verifyUrl: licenceVerifyUrl(options.publicUrl, source.licence.identifier),
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

async function copyHtml(source: LicenceFaceSource, publicUrl: string): Promise<string> {
  const verifyUrl = licenceVerifyUrl(publicUrl, source.licence.identifier);
  return renderFaceDocument({
    ...faceInputOf(source, { masked: true, copy: true, publicUrl, qrSvg: await qrSvg(verifyUrl) }),
    title: `${source.licence.name}（副本）${source.licence.identifier}`,
  });
}

/** The printable masked copy (视同复印件 + QR) as a whole HTML document; 404 when there is no such licence. */
export async function renderLicenceCopyHtml(
  em: EntityManager,
  identifier: string,
  publicUrl: string,
): Promise<string> {
  const source = await loadLicenceFace(em, identifier);
  if (!source) throw notFound('证照');
  return copyHtml(source, publicUrl);
}

/** The masked copy as PDF (A4); 404 when there is no such licence. */
export async function renderLicenceCopyPdf(
  em: EntityManager,
  identifier: string,
  publicUrl: string,
): Promise<Buffer> {
  const html = await renderLicenceCopyHtml(em, identifier, publicUrl);
  try {
    return await renderPdf(html);
  } catch (err) {
    if (err instanceof PdfRendererBusy) throw new ApiError('UNAVAILABLE', 'PDF 副本生成繁忙，请稍后再试');
    throw err;
  }
}

/** The faces and copies for the pages, over the context's database and public address. */
export class LicenceCopyService {
  constructor(private readonly ctx: AppContext) {}

  face(identifier: string): Promise<LicenceFaceSource | null> {
    return loadLicenceFace(this.ctx.em(), identifier);
  }

  copyHtml(identifier: string): Promise<string> {
    return renderLicenceCopyHtml(this.ctx.em(), identifier, this.ctx.config.publicUrl);
  }

  copyPdf(identifier: string): Promise<Buffer> {
    return renderLicenceCopyPdf(this.ctx.em(), identifier, this.ctx.config.publicUrl);
  }
}

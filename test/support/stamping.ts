/**
 * Issue 18 test fixtures: a two-page contract PDF, an approved seal-use authorisation naming a PDF by its SHA-256,
 * and where the imprint shows on a rendered page.
 */
import { createHash, randomUUID } from 'node:crypto';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { PNG } from 'pngjs';
import { AppUser, Seal } from '../../db/entities';
import { SealUseAuthorisation, SealUseRequest } from '../../db/seal-use-entities';
import type { TestPlatform } from './platform';

export const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
/** A4 page: its MediaBox is the byte a test changes ("842" → "843"). */
export const MEDIA_BOX_MARKER = '/MediaBox [ 0 0 595 842';

export async function contractPdf(text: string): Promise<Buffer> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  doc.addPage([595, 842]).drawText(text, { x: 60, y: 760, size: 20, font });
  doc.addPage([595, 842]).drawText(`${text} (page 2)`, { x: 60, y: 760, size: 20, font });
  return Buffer.from(await doc.save({ useObjectStreams: false }));
}

/**
 * An authorisation as the seal-use approval grants it (SM-12; the approval itself is tested in seal-use.test.ts),
 * stored with its approved request: `documents` name the PDF (or each of several, for a batch) by its SHA-256.
 */
export async function grant(
  t: TestPlatform,
  sealId: string,
  grantee: string,
  pdf: Buffer | Buffer[],
  maxUses = 1,
): Promise<string> {
  const em = t.em();
  const seal = await em.findOneOrFail(Seal, { id: sealId }, { exclude: ['imprint'] });
  const user = await em.findOneOrFail(AppUser, { username: grantee });
  const requestId = randomUUID();
  const id = randomUUID();
  const documents = Array.isArray(pdf)
    ? pdf.map((p, i) => ({ title: `政府采购合同（第 ${i + 1} 份）`, sha256: sha256(p) }))
    : [{ title: '政府采购合同', sha256: sha256(pdf) }];
  const validFrom = new Date(Date.now() - 60_000);
  const validTo = new Date(Date.now() + 24 * 3600_000);
  await em.insert(SealUseRequest, {
    id: requestId,
    sealId,
    organisationId: seal.organisationId,
    applicantId: user.id,
    documents,
    maxUses,
    validFrom,
    validTo,
    reason: '签订政府采购合同',
    status: 'approved',
    approvalWorkflowId: `approval-seal_use-${requestId}`,
    workflowId: `seal-use-${requestId}`,
    decidedAt: new Date(),
    createdAt: new Date(),
  });
  await em.insert(SealUseAuthorisation, {
    id,
    requestId,
    sealId,
    granteeId: user.id,
    documents,
    maxUses,
    validFrom,
    validTo,
    approvedBy: [],
    usedCount: 0,
    status: 'active',
    createdAt: new Date(),
  });
  return id;
}

/** The centre and width (mm) of the red pixels of a page rendered at `dpi`: where the imprint shows. */
export function imprintOnPage(
  pagePng: Buffer,
  dpi: number,
): { xMm: number; yMm: number; widthMm: number } | null {
  const png = PNG.sync.read(pagePng);
  const dotsPerMm = dpi / 25.4;
  let [minX, minY, maxX, maxY] = [Infinity, Infinity, -Infinity, -Infinity];
  for (let y = 0; y < png.height; y++) {
    for (let x = 0; x < png.width; x++) {
      const i = (y * png.width + x) * 4;
      const [r, g, b] = [png.data[i]!, png.data[i + 1]!, png.data[i + 2]!];
      if (r > 150 && g < 110 && b < 110) {
        [minX, minY, maxX, maxY] = [
          Math.min(minX, x),
          Math.min(minY, y),
          Math.max(maxX, x),
          Math.max(maxY, y),
        ];
      }
    }
  }
  if (maxX < minX) return null;
  return {
    xMm: (minX + maxX) / 2 / dotsPerMm,
    yMm: (minY + maxY) / 2 / dotsPerMm,
    widthMm: (maxX - minX) / dotsPerMm,
  };
}

/** `POST /api/seals/:id/stamp` as `as` (multipart: the PDF as `document` and the placement fields). */
export async function stampPdf(
  t: TestPlatform,
  as: string,
  sealId: string,
  pdf: Buffer,
  fields: Record<string, string>,
): Promise<{ status: number; pdf: Buffer; json: any; headers: Headers }> {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  form.append('document', new Blob([new Uint8Array(pdf)], { type: 'application/pdf' }), '政府采购合同.pdf');
  const res = await fetch(`${t.url}/api/seals/${sealId}/stamp`, {
    method: 'POST',
    headers: { authorization: `Bearer ${await t.token(as)}` },
    body: form,
  });
  const body = Buffer.from(await res.arrayBuffer());
  const isJson = res.headers.get('content-type')?.includes('json');
  return {
    status: res.status,
    pdf: body,
    json: isJson ? JSON.parse(body.toString('utf8')) : null,
    headers: res.headers,
  };
}

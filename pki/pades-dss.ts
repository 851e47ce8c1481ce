/**
 * Issue 18 Build 2, PAdES B-LT (ETSI EN 319 142-1 §5.4, ISO 32000-2 §12.8.4.3): the validation data a stamped PDF
 * carries in its Document Security Store, so that it can be validated long after signing without asking the
 * platform — the certificates (organisation, CA, timestamp authority), the OCSP response for the signer's
 * certificate and the CA's CRL (which also covers the timestamp authority's certificate).
 *
 * The platform gathers the data just before it signs and writes the DSS into the same incremental update as the
 * signature field, so the signature covers it (a later stamp appends to the DSS; pki/pdf-signatures.ts accepts that
 * as it accepts a later signature field). Responses made before the signature are current at its timestamp (their
 * thisUpdate ≤ the timestamp ≤ their nextUpdate), which a validator needs without a retroactive allowance. No VRI:
 * it is keyed by the signature's own value, which does not exist yet (VRI is optional, and validators use the
 * document-wide lists).
 */
import { createHash } from 'node:crypto';
import { PDFArray, PDFDict, PDFDocument, PDFName, PDFRawStream } from 'pdf-lib';

export interface ValidationData {
  /** DER certificates. */
  certificates: Buffer[];
  /** DER OCSPResponse structures (RFC 6960 §4.2.1). */
  ocspResponses: Buffer[];
  /** DER CRLs. */
  crls: Buffer[];
}

const digest = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** Adds the data to the document's DSS (made if missing), skipping what it already holds. */
export function addValidationData(doc: PDFDocument, data: ValidationData): void {
  const { context } = doc;
  let dss = doc.catalog.lookupMaybe(PDFName.of('DSS'), PDFDict);
  if (!dss) {
    dss = context.obj({ Type: 'DSS' });
    doc.catalog.set(PDFName.of('DSS'), context.register(dss));
  }
  const lists: Array<[string, Buffer[]]> = [
    ['Certs', data.certificates],
    ['OCSPs', data.ocspResponses],
    ['CRLs', data.crls],
  ];
  for (const [key, items] of lists) {
    if (items.length === 0) continue;
    const array = dss.lookupMaybe(PDFName.of(key), PDFArray) ?? context.obj([]);
    const held = new Set(
      array
        .asArray()
        .map((ref) => context.lookup(ref))
        .filter((obj): obj is PDFRawStream => obj instanceof PDFRawStream)
        .map((stream) => digest(stream.contents)),
    );
    for (const der of items) {
      if (held.has(digest(der))) continue;
      held.add(digest(der));
      array.push(context.register(context.stream(new Uint8Array(der))));
    }
    dss.set(PDFName.of(key), array);
  }
}

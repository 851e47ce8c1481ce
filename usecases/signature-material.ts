/**
 * Issue 19: a licence row's signature record as stored — without the seal and certificate, which go (once) to
 * `signature_material` (db/signature-material.ts) — for the paths that sign one licence at a time; a conversion
 * batch stores its one material itself (usecases/licence-conversion-batch.ts).
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { insertSignatureMaterial } from '../db/signature-material';
import { CompactSealSignature, SealSignature, splitSignatureRecord } from '../domain/seal-signature';
import { signatureMaterialId } from '../pki/seal-signer';

/** Stores `record`'s material (a second store of the same one changes nothing); answers the row's two columns. */
export async function storedSignatureOf(
  em: EntityManager,
  record: SealSignature,
): Promise<{ storedSignature: CompactSealSignature; signatureMaterial: string }> {
  const { compact, material } = splitSignatureRecord(record);
  const id = signatureMaterialId(material);
  await insertSignatureMaterial(em, id, material);
  return { storedSignature: compact, signatureMaterial: id };
}

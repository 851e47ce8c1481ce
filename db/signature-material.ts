/**
 * Issue 19: a licence's signature record is stored without the seal and certificate every record of that seal and
 * certificate shares, which are stored once in `signature_material` (domain/seal-signature.ts, and
 * db/migrations/Migration20261209100001_signature_material.ts for the table and `licence_signature_record`).
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { SignatureMaterial } from '../domain/seal-signature';

/** The whole record of a licence row aliased `alias`, its material put back: what every SQL reader selects. */
export const licenceSignatureRecordSql = (alias: string) =>
  `licence_signature_record(${alias}.signature, ${alias}.signature_material)`;

/** Inserts a material under its id (pki/seal-signer.ts signatureMaterialId) unless it is there already. */
export async function insertSignatureMaterial(
  em: EntityManager,
  id: string,
  material: SignatureMaterial,
): Promise<void> {
  await em.execute(
    `insert into signature_material (id, seal, signer_certificate) values (?, ?::jsonb, ?)
       on conflict (id) do nothing`,
    [id, JSON.stringify(material.seal), material.signerCertificate],
  );
}

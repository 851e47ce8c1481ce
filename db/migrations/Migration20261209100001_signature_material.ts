import { Migration } from '@mikro-orm/migrations';

/**
 * Issue 19 (LM-10): a licence's signature record is stored without the part every record of its seal and
 * certificate shares (the seal with its seal info and imprint, the signer's certificate: 6.8 of its 8.5 KB), which
 * is stored once, in `signature_material`, keyed by the SHA-256 of its canonical JSON (pki/seal-signer.ts
 * signatureMaterialId) and named by `licence.signature_material`. `licence_signature_record(signature, material)`
 * gives the whole record back, the same `jsonb` as the whole record stored (domain/seal-signature.ts
 * splitSignatureRecord takes it apart); every reader of a licence's record reads it through this function.
 *
 * Why: PostgreSQL compressed each 8.5 KB record (pglz, to 5.2 KB) as it stored it. Measured on a 20,000-row
 * conversion, its CPU went from 0.45 to 0.28 ms per converted row, and the row keeps about 1.7 KB of record instead
 * of 5.2 KB (docs/scale.md, session s14). Conversion batches, issuance and new versions all store the record so;
 * licences stored before keep their whole record with no material named, which the function returns as it is.
 * The material is append-only: a row is never changed or removed (db/database-roles.ts).
 */
export class Migration20261209100001_signature_material extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table signature_material (
        id text primary key check (id ~ '^[0-9a-f]{64}$'),
        seal jsonb not null,
        signer_certificate text not null,
        created_at timestamptz not null default now()
      );
      alter table licence add column signature_material text references signature_material (id);
      create function licence_signature_record(signature jsonb, material text) returns jsonb
        language sql stable parallel safe
        as $$
          select case when material is null then signature
                 else signature || (select jsonb_build_object('seal', m.seal, 'signerCertificate', m.signer_certificate)
                                      from signature_material m where m.id = material) end
        $$;
    `);
  }

  override async down(): Promise<void> {
    this.addSql(`
      update licence set signature = licence_signature_record(signature, signature_material), signature_material = null
       where signature_material is not null;
      drop function licence_signature_record(jsonb, text);
      alter table licence drop column signature_material;
      drop table signature_material;
    `);
  }
}

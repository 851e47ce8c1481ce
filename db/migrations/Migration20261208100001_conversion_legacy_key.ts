import { Migration } from '@mikro-orm/migrations';

/**
 * Issue 19 (LM-10): a converted licence's legacy number is looked up by one key, `licence_legacy_key(unit, type,
 * number)`, with a unique index of its own, instead of by the three columns of `licence_legacy_number_uq`.
 *
 * Why: that index shared its first two columns with `licence_issuer_idx` (unit, type, issued_at), and while
 * PostgreSQL's statistics did not yet know a unit's licences (a first conversion, or one that COPY had just grown),
 * both looked as cheap to the planner, which took `licence_issuer_idx` and filtered on the number: every batch's
 * check for numbers already converted read all the unit's licences of the type, and the count before a start read
 * them once per row of the file (measured with auto_explain: 2,000,000 rows read for a 4,000-row file after a
 * 500-row one; 1.4 s). Over a million rows that is quadratic. A key no other index holds leaves the planner one
 * way in. The separator is a control character no unit id or type code contains.
 */
export class Migration20261208100001_conversion_legacy_key extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create function licence_legacy_key(organisation_id text, type_code text, legacy_number text) returns text
        language sql immutable parallel safe
        as $$ select organisation_id || chr(31) || type_code || chr(31) || legacy_number $$;
      create unique index licence_legacy_key_uq
        on licence (licence_legacy_key(issuer_organisation_id, type_code, legacy_number))
        where legacy_number is not null;
      drop index licence_legacy_number_uq;
    `);
  }

  override async down(): Promise<void> {
    this.addSql(`
      create unique index licence_legacy_number_uq on licence (issuer_organisation_id, type_code, legacy_number)
        where legacy_number is not null;
      drop index licence_legacy_key_uq;
      drop function licence_legacy_key(text, text, text);
    `);
  }
}

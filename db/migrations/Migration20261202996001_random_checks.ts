import { Migration } from '@mikro-orm/migrations';

/**
 * Issue 14 Build 3 (LM-28): the checklist a supervisor records for each licence of a random sample — verifies and
 * pushed filled in by the platform (the verifier's indication, the exchange outbox), data complete and face
 * readable by the supervisor — with a remark and the rules of the findings its failed items raised. One check per
 * licence of a sample.
 */
export class Migration20261202996001_random_checks extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table random_check (
        id text primary key,
        sample_id text not null references random_sample(id),
        organisation_id text not null references organisation(id),
        licence_identifier text not null,
        verifies boolean not null,
        verify_indication text not null,
        data_complete boolean not null,
        face_readable boolean not null,
        pushed boolean,
        remark text,
        finding_rules jsonb not null,
        checked_by text not null,
        checked_at timestamptz not null,
        unique (sample_id, licence_identifier)
      );
    `);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table random_check;`);
  }
}

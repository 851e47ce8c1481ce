import { Migration } from '@mikro-orm/migrations';

/**
 * Issue 14 (LM-29): the annual assessment targets a management unit sets for each unit of its jurisdiction, in
 * percent per metric (domain/assessment.ts); one row per unit and year, replaced when set again.
 */
export class Migration20261202982000_assessment_targets extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table assessment_target (
        organisation_id text not null references organisation(id),
        year int not null,
        targets jsonb not null,
        set_by text not null,
        set_at timestamptz not null,
        primary key (organisation_id, year)
      );
      create index dispute_received_idx on dispute (issuer_organisation_id, received_at);
      create index announced_case_closed_idx on announced_case (organisation_id, closed_at);
    `);
  }

  override async down(): Promise<void> {
    this.addSql(`
      drop index announced_case_closed_idx;
      drop index dispute_received_idx;
      drop table assessment_target;
    `);
  }
}

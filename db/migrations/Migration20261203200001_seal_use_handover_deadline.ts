import { Migration } from '@mikro-orm/migrations';

/**
 * Issue 15 Build 3 (SM-12): the unit leader's decision on a leaving person's standing licence-signing authorisation
 * gets a working-day deadline (computed from the domain calendar when the decision is opened; older rows have none)
 * and keeps the leader's reason, shown read-only once decided.
 */
export class Migration20261203200001_seal_use_handover_deadline extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      alter table seal_use_handover
        add column due_at timestamptz,
        add column due_provisional boolean not null default false,
        add column decision_comment text;
    `);
  }

  override async down(): Promise<void> {
    this.addSql(`
      alter table seal_use_handover
        drop column due_at, drop column due_provisional, drop column decision_comment;
    `);
  }
}

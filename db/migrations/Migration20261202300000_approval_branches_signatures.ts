import { Migration } from '@mikro-orm/migrations';

/**
 * Issue 10 (engine): a process keeps the variables its conditional branches test (so that its path can be shown
 * from the records alone), an approval event may carry the handwritten signature (a stored PNG in `attachment`),
 * and a task may belong to a branch of a parallel node.
 */
export class Migration20261202300000_approval_branches_signatures extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      alter table approval_process add column variables jsonb;
      alter table approval_event add column signature_id text references attachment (id);
      create index approval_event_signature_idx on approval_event (signature_id) where signature_id is not null;
      alter table task add column branch_key text;
    `);
  }

  override async down(): Promise<void> {
    this.addSql(`
      alter table task drop column branch_key;
      alter table approval_event drop column signature_id;
      alter table approval_process drop column variables;
    `);
  }
}

import { Migration } from '@mikro-orm/migrations';

/**
 * Flow definitions are saved as drafts and take effect only when published after a dry run (issue 9): the status
 * gains `draft`, and a version records when and by whom it became active and, for a restored version, which
 * version it restores. Versions stored before are active or superseded and count as published when saved.
 */
export class Migration20261128000000_flow_drafts extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      alter table flow_definition drop constraint flow_definition_status_check;
      alter table flow_definition add constraint flow_definition_status_check
        check (status in ('draft','active','superseded'));
      alter table flow_definition alter column status set default 'draft';
      alter table flow_definition add column published_at timestamptz;
      alter table flow_definition add column published_by text;
      alter table flow_definition add column restored_from_id text references flow_definition(id);
      update flow_definition set published_at = created_at, published_by = created_by;
      alter table flow_definition add constraint flow_definition_published_check
        check ((status = 'draft') = (published_at is null));
    `);
  }

  override async down(): Promise<void> {
    this.addSql(`
      delete from flow_definition where status = 'draft';
      alter table flow_definition drop constraint flow_definition_published_check;
      alter table flow_definition drop column restored_from_id;
      alter table flow_definition drop column published_by;
      alter table flow_definition drop column published_at;
      alter table flow_definition alter column status drop default;
      alter table flow_definition drop constraint flow_definition_status_check;
      alter table flow_definition add constraint flow_definition_status_check
        check (status in ('active','superseded'));
    `);
  }
}

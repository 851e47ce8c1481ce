import { Migration } from '@mikro-orm/migrations';

/**
 * Issue 15: organisations kept in the platform, not only in the seed.
 * - organisation.parent_id: the unit it belongs to (a 内设机构 or a 派出机构), if any;
 *   organisation.closed_at: when it was closed (its staff may no longer sign in to act for it).
 * - organisation_version: every state of an organisation with the date it takes effect from, who changed it and
 *   why; version 1 is the state it had when first kept here (for a seeded unit: at its first change).
 */
export class Migration20261202930001_organisation_registry extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      alter table organisation add column parent_id text references organisation(id);
      alter table organisation add column closed_at timestamptz;
      alter table organisation add constraint organisation_parent_not_self check (parent_id <> id);
      create table organisation_version (
        id text primary key,
        organisation_id text not null references organisation(id),
        version integer not null,
        change text not null,
        name text not null,
        uscc text not null,
        jurisdiction_id text not null references jurisdiction(id),
        parent_id text references organisation(id),
        functions text[] not null,
        closed boolean not null,
        effective_from date not null,
        reason text,
        changed_by text not null,
        changed_at timestamptz not null,
        unique (organisation_id, version)
      );
    `);
  }

  override async down(): Promise<void> {
    this.addSql(`
      drop table organisation_version;
      alter table organisation drop column closed_at;
      alter table organisation drop column parent_id;
    `);
  }
}

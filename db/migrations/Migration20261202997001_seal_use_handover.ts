import { Migration } from '@mikro-orm/migrations';

/**
 * Issue 15 Build 3 (SM-12): a standing licence-signing authorisation whose holder leaves or moves is not revoked
 * at once (the platform's issuance would stop) but put to the unit leader's decision: kept (passed to the leader
 * or a named person of the unit) or revoked. One open decision per authorisation.
 */
export class Migration20261202997001_seal_use_handover extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table seal_use_handover (
        id text primary key,
        authorisation_id text not null references seal_use_authorisation(id),
        seal_id text not null references seal(id),
        organisation_id text not null references organisation(id),
        leaving_user_id text not null references app_user(id),
        change_id text not null,
        reason text not null,
        status text not null default 'pending' check (status in ('pending', 'kept', 'revoked')),
        new_grantee_id text references app_user(id),
        decided_by text references app_user(id),
        decided_at timestamptz,
        created_at timestamptz not null default now()
      );
      create unique index seal_use_handover_one_pending
        on seal_use_handover (authorisation_id) where status = 'pending';
      create index seal_use_handover_org on seal_use_handover (organisation_id, status);
    `);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table seal_use_handover;`);
  }
}

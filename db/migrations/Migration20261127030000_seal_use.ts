import { Migration } from '@mikro-orm/migrations';

/**
 * Seal use (SM-12): a request per intended use, the authorisation its approval grants (documents, a number of
 * uses, a time window), and each signature made under an authorisation. The database itself refuses a use
 * beyond the count, so that no race can sign more often than approved.
 */
export class Migration20261127030000_seal_use extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table seal_use_request (
        id text primary key,
        seal_id text not null references seal(id),
        organisation_id text not null references organisation(id),
        applicant_id text not null references app_user(id),
        documents jsonb not null check (jsonb_typeof(documents) = 'array'),
        max_uses int not null check (max_uses between 1 and 1000),
        valid_from timestamptz not null,
        valid_to timestamptz not null,
        reason text not null,
        status text not null check (status in ('pending','approved','rejected','withdrawn')),
        approval_workflow_id text not null unique,
        workflow_id text not null unique,
        outcome_reason text,
        created_at timestamptz not null default now(),
        decided_at timestamptz,
        client_request_id text,
        approval_options jsonb not null default '{"approvers":{},"cc":[]}',
        check (valid_to > valid_from),
        unique (applicant_id, client_request_id)
      );
      create index seal_use_request_seal_idx on seal_use_request (seal_id, created_at desc);
      create index seal_use_request_org_idx on seal_use_request (organisation_id, created_at desc);

      create table seal_use_authorisation (
        id text primary key,
        request_id text not null unique references seal_use_request(id),
        seal_id text not null references seal(id),
        grantee_id text not null references app_user(id),
        documents jsonb not null check (jsonb_typeof(documents) = 'array'),
        max_uses int not null check (max_uses > 0),
        used_count int not null default 0 check (used_count >= 0),
        valid_from timestamptz not null,
        valid_to timestamptz not null,
        approved_by jsonb not null default '[]',
        created_at timestamptz not null default now(),
        status text not null check (status in ('active','revoked')),
        check (used_count <= max_uses),
        check (valid_to > valid_from)
      );
      create index seal_use_authorisation_seal_idx on seal_use_authorisation (seal_id, grantee_id);

      create table seal_signature (
        id text primary key,
        authorisation_id text not null references seal_use_authorisation(id),
        seal_id text not null references seal(id),
        signer_user_id text not null references app_user(id),
        document_hash char(64) not null check (document_hash ~ '^[0-9a-f]{64}$'),
        document_title text not null,
        signing_time timestamptz not null,
        record jsonb not null,
        created_at timestamptz not null default now()
      );
      create index seal_signature_seal_idx on seal_signature (seal_id, signing_time desc);
      create index seal_signature_authorisation_idx on seal_signature (authorisation_id);
    `);
  }
}

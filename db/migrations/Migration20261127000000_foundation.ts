import { Migration } from '@mikro-orm/migrations';

/** Foundation: jurisdictions, organisations, users, PKI, seals and seal applications, tasks, audit, mail. */
export class Migration20261127000000_foundation extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table jurisdiction (
        id text primary key,
        name text not null,
        level text not null check (level in ('province','city','county','district','zone')),
        parent_id text references jurisdiction(id),
        seal_review_chain jsonb
      );
      create table organisation (
        id text primary key,
        name text not null,
        uscc char(18) not null unique,
        jurisdiction_id text not null references jurisdiction(id),
        functions text[] not null default '{}',
        created_at timestamptz not null default now()
      );
      create table app_user (
        id text primary key,
        username text not null unique,
        display_name text not null,
        email text,
        organisation_id text not null references organisation(id),
        roles text[] not null default '{}',
        active boolean not null default true
      );
      create table certificate_authority (
        id text primary key,
        name text not null,
        certificate_pem text not null,
        private_key_encrypted text not null,
        created_at timestamptz not null default now()
      );
      create table organisation_certificate (
        id text primary key,
        organisation_id text not null references organisation(id),
        serial_number text not null unique,
        subject text not null,
        not_before timestamptz not null,
        not_after timestamptz not null,
        certificate_pem text not null,
        private_key_encrypted text not null,
        revoked_at timestamptz,
        created_at timestamptz not null default now()
      );
      create index organisation_certificate_org_idx on organisation_certificate (organisation_id, not_after desc);
      create table seal_application (
        id text primary key,
        organisation_id text not null references organisation(id),
        applicant_id text not null references app_user(id),
        client_request_id text,
        kind text not null,
        seal_name text not null,
        imprint_media_type text not null,
        imprint bytea not null,
        width_mm double precision not null,
        height_mm double precision not null,
        custodian_name text not null,
        custodian_phone text,
        reason text not null,
        chain jsonb not null,
        workflow_id text not null unique,
        status text not null check (status in ('pending','approved','rejected','failed')),
        outcome_reason text,
        seal_id text,
        created_at timestamptz not null default now(),
        decided_at timestamptz,
        unique (organisation_id, client_request_id)
      );
      create index seal_application_org_idx on seal_application (organisation_id, created_at desc);
      create sequence seal_serial_seq;
      create table seal (
        id text primary key,
        es_id text not null unique,
        application_id text not null unique references seal_application(id),
        organisation_id text not null references organisation(id),
        certificate_id text not null references organisation_certificate(id),
        kind text not null,
        name text not null,
        valid_from timestamptz not null,
        valid_to timestamptz not null,
        status text not null check (status in ('active','cancelled','lost')),
        imprint_media_type text not null,
        imprint bytea not null,
        width_mm double precision not null,
        height_mm double precision not null,
        custodian_name text not null,
        seal_info jsonb not null,
        maker_signature jsonb not null,
        created_at timestamptz not null default now()
      );
      alter table seal_application add constraint seal_application_seal_fk foreign key (seal_id) references seal(id);
      create table task (
        id text primary key,
        process_kind text not null,
        process_id text not null,
        workflow_id text not null,
        title text not null,
        step_name text not null,
        assignee_organisation_id text not null references organisation(id),
        assignee_role text not null,
        status text not null check (status in ('pending','done','cancelled')),
        outcome text,
        acted_by_id text references app_user(id),
        acted_by_name text,
        acted_at timestamptz,
        comment text,
        created_at timestamptz not null default now()
      );
      create index task_inbox_idx on task (assignee_organisation_id, assignee_role, status, created_at);
      create index task_process_idx on task (process_kind, process_id);
      create table audit_event (
        id bigserial primary key,
        event_key text unique,
        at timestamptz not null default now(),
        actor_user_id text,
        actor_username text not null,
        actor_roles text[] not null default '{}',
        actor_organisation_id text,
        action text not null,
        target_type text not null,
        target_id text,
        outcome text not null check (outcome in ('success','denied','rejected','failed')),
        details jsonb not null default '{}',
        request_id text,
        ip text
      );
      create index audit_event_target_idx on audit_event (target_type, target_id, at);
      create index audit_event_actor_idx on audit_event (actor_user_id, at);
      create table email_message (
        id text primary key,
        to_address text not null,
        subject text not null,
        template text not null,
        status text not null check (status in ('pending','sent')),
        message_id text not null,
        attempts integer not null default 0,
        created_at timestamptz not null default now(),
        sent_at timestamptz
      );
    `);
  }
}

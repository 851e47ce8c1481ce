import { Migration } from '@mikro-orm/migrations';

/**
 * Issue 20 Build 1: the transparency log (RFC 9162 style).
 *
 * - `log_outbox`: what is to be appended, filled by triggers in the same transaction as the fact itself — a
 *   licence stored (issuance or new version), a lifecycle event recorded, a seal status change — so that nothing
 *   is missed, whatever path wrote it, and the issuance does not wait for the tree. The appender
 *   (usecases/transparency-log.ts) moves rows from it into the tree in batches.
 * - `log_leaf`: leaf `idx` with its leaf text (RFC 8785 JSON of kind, identifier, hash, time) and leaf hash.
 * - `log_node`: the hash of every complete aligned subtree (`level`, `idx`: leaves [idx·2^level, (idx+1)·2^level)),
 *   level 0 being the leaf hashes; any proof needs O(log n) of them.
 * - `log_tree_head`: the signed tree heads; `log_signing_key`: the log's own key, issued by the CA.
 * The tree tables are append-only for the runtime role (db/database-roles.ts).
 */
export class Migration20261202850000_transparency_log extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table log_outbox (
        id bigserial primary key,
        kind text not null,
        identifier text not null,
        hash text not null,
        event_time text not null,
        created_at timestamptz not null default now()
      );
      create table log_leaf (
        idx bigint primary key,
        kind text not null,
        identifier text not null,
        hash text not null,
        event_time text not null,
        leaf text not null,
        leaf_hash bytea not null,
        appended_at timestamptz not null default now()
      );
      create index log_leaf_hash on log_leaf (leaf_hash);
      create index log_leaf_identifier on log_leaf (identifier, kind);
      create table log_node (
        level smallint not null,
        idx bigint not null,
        hash bytea not null,
        primary key (level, idx)
      );
      create table log_tree_head (
        id bigserial primary key,
        tree_size bigint not null,
        root_hash text not null,
        signed_at timestamptz not null,
        signed_content text not null,
        signature text not null,
        certificate_pem text not null
      );
      create index log_tree_head_size on log_tree_head (tree_size, id);
      create table log_signing_key (
        id text primary key,
        certificate_pem text not null,
        private_key_encrypted text not null,
        created_at timestamptz not null default now()
      );

      create function log_time(t timestamptz) returns text language sql immutable as
        $$ select to_char(t at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') $$;

      create function log_licence_stored() returns trigger language plpgsql as $$
      begin
        insert into log_outbox (kind, identifier, hash, event_time)
        values (case when new.version = 1 then 'licence.issuance' else 'licence.version' end,
                new.identifier, trim(new.data_hash), new.signature->>'signingTime');
        return new;
      end $$;
      create trigger log_licence_stored after insert on licence
        for each row execute function log_licence_stored();

      create function log_licence_event_recorded() returns trigger language plpgsql as $$
      begin
        if new.status = 'recorded' and (tg_op = 'INSERT' or old.status is distinct from 'recorded') then
          insert into log_outbox (kind, identifier, hash, event_time)
          select 'licence.event.' || new.kind, l.identifier,
                 coalesce(new.data_hash, encode(sha256(convert_to(new.id || '|' || coalesce(new.state_after::text, ''), 'UTF8')), 'hex')),
                 coalesce(new.signature->>'signingTime', log_time(coalesce(new.recorded_at, now())))
            from licence l where l.id = new.licence_id;
        end if;
        return new;
      end $$;
      create trigger log_licence_event_recorded after insert or update of status on licence_event
        for each row execute function log_licence_event_recorded();

      create function log_seal_status_changed() returns trigger language plpgsql as $$
      begin
        insert into log_outbox (kind, identifier, hash, event_time)
        values ('seal.status.' || new.event, new.seal_id,
                encode(sha256(convert_to(new.id || '|' || new.status || '|' || log_time(new.effective_at), 'UTF8')), 'hex'),
                log_time(new.recorded_at));
        return new;
      end $$;
      create trigger log_seal_status_changed after insert on seal_status_change
        for each row execute function log_seal_status_changed();

      -- What existed before the log: appended first, in the order it happened.
      insert into log_outbox (kind, identifier, hash, event_time)
      select kind, identifier, hash, event_time from (
        select case when version = 1 then 'licence.issuance' else 'licence.version' end as kind, identifier,
               trim(data_hash) as hash, signature->>'signingTime' as event_time, issued_at as at
          from licence
        union all
        select 'seal.status.' || c.event, c.seal_id,
               encode(sha256(convert_to(c.id || '|' || c.status || '|' || log_time(c.effective_at), 'UTF8')), 'hex'),
               log_time(c.recorded_at), c.recorded_at
          from seal_status_change c
      ) existing order by at;
    `);
  }

  override async down(): Promise<void> {
    this.addSql(`
      drop trigger log_licence_stored on licence;
      drop trigger log_licence_event_recorded on licence_event;
      drop trigger log_seal_status_changed on seal_status_change;
      drop function log_licence_stored();
      drop function log_licence_event_recorded();
      drop function log_seal_status_changed();
      drop function log_time(timestamptz);
      drop table log_signing_key;
      drop table log_tree_head;
      drop table log_node;
      drop table log_leaf;
      drop table log_outbox;
    `);
  }
}

import { Migration } from '@mikro-orm/migrations';

/**
 * A tamper-evident audit log kept three years (LM-25, issue 11 Build 6).
 *
 * - Every row is linked into a hash chain by a trigger, whoever inserts it: the chain is the Asia/Shanghai day of
 *   the insert and the writing database session (`pg_backend_pid()`), so that a session never waits for another
 *   one's chain (a session runs one transaction at a time) while each chain is strictly ordered. The trigger keeps
 *   the chain's head in `audit_chain_head` and sets `seq`, `prev_hash` (the previous row's hash, 64 zeros for the
 *   first) and `hash` = SHA-256 of the row's canonical form (`audit_event_canonical`, rebuilt independently by
 *   `db/audit-chain.ts` for `npm run audit:verify`). A row whose `event_key` is already there is skipped, as the
 *   writer's ON CONFLICT DO NOTHING would, before the chain moves.
 * - UPDATE is refused always, TRUNCATE always, DELETE of a day younger than three years always — by triggers, so
 *   for every role including the owner; the runtime role has no UPDATE/DELETE/TRUNCATE privilege besides
 *   (granted by `db/database-roles.ts`).
 * - `audit_day_seal`: a finished day's chain heads, signed with the platform's audit key (`audit_signing_key`, a
 *   certificate issued by the CA).
 * - `anonymous_verification_count`: anonymous verifications counted per identifier and day, instead of one audit
 *   row per request, so that the log stays insert-only and bounded.
 */
export class Migration20261202000100_audit_chain extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create function audit_enc(v text) returns text language sql immutable as $f$
        select case when v is null then '~' else octet_length(v)::text || ':' || v end
      $f$;

      alter table audit_event add column chain_day date;
      alter table audit_event add column chain_part text;
      alter table audit_event add column seq integer;
      alter table audit_event add column prev_hash text;
      alter table audit_event add column hash text;

      -- The canonical form hashed into the chain: every column, as text, each length-prefixed (octets) or '~'.
      create function audit_event_canonical(e audit_event) returns text language sql stable as $f$
        select 'audit-v1|'
          || audit_enc(to_char(e.chain_day, 'YYYY-MM-DD'))
          || audit_enc(e.chain_part)
          || audit_enc(e.seq::text)
          || audit_enc(e.prev_hash)
          || audit_enc(e.id::text)
          || audit_enc(e.event_key)
          || audit_enc((extract(epoch from e.at) * 1000000)::bigint::text)
          || audit_enc(e.actor_user_id)
          || audit_enc(e.actor_username)
          || audit_enc(cardinality(e.actor_roles)::text)
          || coalesce((select string_agg(audit_enc(r), '' order by n)
                         from unnest(e.actor_roles) with ordinality as u(r, n)), '')
          || audit_enc(e.actor_organisation_id)
          || audit_enc(e.action)
          || audit_enc(e.target_type)
          || audit_enc(e.target_id)
          || audit_enc(e.outcome)
          || audit_enc(e.details::text)
          || audit_enc(e.request_id)
          || audit_enc(e.ip)
      $f$;

      create table audit_chain_head (
        chain_day date not null,
        chain_part text not null,
        seq integer not null,
        hash text not null,
        updated_at timestamptz not null default now(),
        primary key (chain_day, chain_part)
      );

      -- Rows written before the chain existed form the chain 'migration' of their day, in id order.
      do $b$
      declare
        r audit_event;
        head record;
      begin
        for r in select * from audit_event order by id loop
          r.chain_day := (r.at at time zone 'Asia/Shanghai')::date;
          r.chain_part := 'migration';
          select seq, hash into head from audit_chain_head
           where chain_day = r.chain_day and chain_part = r.chain_part;
          if found then
            r.seq := head.seq + 1;
            r.prev_hash := head.hash;
          else
            r.seq := 1;
            r.prev_hash := repeat('0', 64);
          end if;
          r.hash := encode(sha256(convert_to(audit_event_canonical(r), 'UTF8')), 'hex');
          update audit_event set chain_day = r.chain_day, chain_part = r.chain_part, seq = r.seq,
                 prev_hash = r.prev_hash, hash = r.hash
           where id = r.id;
          insert into audit_chain_head (chain_day, chain_part, seq, hash) values (r.chain_day, r.chain_part, r.seq, r.hash)
            on conflict (chain_day, chain_part) do update set seq = excluded.seq, hash = excluded.hash;
        end loop;
      end
      $b$;

      alter table audit_event alter column chain_day set not null;
      alter table audit_event alter column chain_part set not null;
      alter table audit_event alter column seq set not null;
      alter table audit_event alter column prev_hash set not null;
      alter table audit_event alter column hash set not null;
      alter table audit_event add constraint audit_event_chain_unique unique (chain_day, chain_part, seq);
      create index audit_event_at_idx on audit_event (at);
      create index audit_event_request_idx on audit_event (request_id);

      -- SECURITY DEFINER: the runtime role inserts audit rows but cannot touch the chain heads itself.
      create function audit_event_chain() returns trigger language plpgsql security definer
        set search_path = public as $f$
      declare
        head record;
      begin
        if new.event_key is not null and exists (select 1 from audit_event where event_key = new.event_key) then
          return null;
        end if;
        new.chain_day := (clock_timestamp() at time zone 'Asia/Shanghai')::date;
        new.chain_part := pg_backend_pid()::text;
        select seq, hash into head from audit_chain_head
         where chain_day = new.chain_day and chain_part = new.chain_part for update;
        if found then
          new.seq := head.seq + 1;
          new.prev_hash := head.hash;
        else
          new.seq := 1;
          new.prev_hash := repeat('0', 64);
        end if;
        new.hash := encode(sha256(convert_to(audit_event_canonical(new), 'UTF8')), 'hex');
        insert into audit_chain_head (chain_day, chain_part, seq, hash, updated_at)
          values (new.chain_day, new.chain_part, new.seq, new.hash, now())
          on conflict (chain_day, chain_part)
          do update set seq = excluded.seq, hash = excluded.hash, updated_at = excluded.updated_at;
        return new;
      end
      $f$;
      create trigger audit_event_chain before insert on audit_event
        for each row execute function audit_event_chain();

      create function audit_event_protect() returns trigger language plpgsql as $f$
      begin
        if tg_op = 'UPDATE' then
          raise exception 'audit_event is insert-only: UPDATE refused (LM-25)' using errcode = '42501';
        elsif tg_op = 'TRUNCATE' then
          raise exception 'audit_event is insert-only: TRUNCATE refused (LM-25)' using errcode = '42501';
        elsif old.chain_day >= ((now() at time zone 'Asia/Shanghai')::date - interval '3 years') then
          raise exception 'audit_event rows are kept three years: DELETE of % refused (LM-25)', old.id
            using errcode = '42501';
        end if;
        return old;
      end
      $f$;
      create trigger audit_event_protect_row before update or delete on audit_event
        for each row execute function audit_event_protect();
      create trigger audit_event_protect_truncate before truncate on audit_event
        for each statement execute function audit_event_protect();

      create table audit_signing_key (
        id text primary key,
        certificate_pem text not null,
        private_key_encrypted text not null,
        created_at timestamptz not null default now()
      );

      create table audit_day_seal (
        day date primary key,
        row_count integer not null,
        chains jsonb not null,
        head_hash text not null,
        signed_content text not null,
        signature text not null,
        certificate_pem text not null,
        sealed_at timestamptz not null default now()
      );

      create table anonymous_verification_count (
        day date not null,
        identifier text not null,
        channel text not null,
        indication text not null,
        count bigint not null default 0,
        last_at timestamptz not null default now(),
        primary key (day, identifier, channel, indication)
      );
    `);
  }

  override async down(): Promise<void> {
    this.addSql(`
      drop table anonymous_verification_count;
      drop table audit_day_seal;
      drop table audit_signing_key;
      drop trigger audit_event_protect_truncate on audit_event;
      drop trigger audit_event_protect_row on audit_event;
      drop trigger audit_event_chain on audit_event;
      drop function audit_event_protect();
      drop function audit_event_chain();
      drop table audit_chain_head;
      alter table audit_event drop constraint audit_event_chain_unique;
      drop index audit_event_at_idx;
      drop index audit_event_request_idx;
      drop function audit_event_canonical(audit_event);
      alter table audit_event drop column hash, drop column prev_hash, drop column seq,
        drop column chain_part, drop column chain_day;
      drop function audit_enc(text);
    `);
  }
}

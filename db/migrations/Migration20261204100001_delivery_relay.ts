import { Migration } from '@mikro-orm/migrations';

/**
 * Issue 19 Build 3 (LM-8): the delivery relay (activities/delivery-relay.ts). Exchange messages get the order they
 * were written in (`seq`, taken under the licence's lock, so per licence it is the commit order even when two
 * events carry the same instant) and a claim lease (`claimed_until`: a relay owns a message until then; a killed
 * worker's claims lapse). The holder's e-mail of an issued licence becomes a row written in the licence's
 * transaction (`holder_notice`), claimed and sent the same way.
 */
export class Migration20261204100001_delivery_relay extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      alter table exchange_outbox add column seq bigserial, add column claimed_until timestamptz;
      create index exchange_outbox_relay_idx on exchange_outbox (seq) where status = 'pending';
      create index exchange_outbox_licence_pending_idx on exchange_outbox (licence_id, seq) where status = 'pending';
      create table holder_notice (
        licence_id text primary key references licence(id),
        status text not null default 'pending' check (status in ('pending','done')),
        attempts int not null default 0,
        last_error text,
        claimed_until timestamptz,
        created_at timestamptz not null default now(),
        done_at timestamptz
      );
      create index holder_notice_pending_idx on holder_notice (created_at) where status = 'pending';
    `);
  }

  override async down(): Promise<void> {
    this.addSql(`
      drop table holder_notice;
      drop index exchange_outbox_licence_pending_idx;
      drop index exchange_outbox_relay_idx;
      alter table exchange_outbox drop column seq, drop column claimed_until;
    `);
  }
}

import { Migration } from '@mikro-orm/migrations';

/**
 * Issue 15 Build 4: reorganisations (机构改革).
 * - organisation.successor_id: the unit that took over a closed one (its licences name it as now responsible).
 * - reorganisation: one guided change of a unit into its successor, carried out by the workflow
 *   `reorganisation-<id>`; `summary` holds what moved once it is done.
 */
export class Migration20261202983001_reorganisation extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      alter table organisation add column successor_id text references organisation(id);
      create table reorganisation (
        id text primary key,
        kind text not null,
        predecessor_id text not null references organisation(id),
        successor_id text not null,
        successor_name text not null,
        successor_uscc text not null,
        reason text not null,
        effective_from date not null,
        status text not null,
        workflow_id text not null unique,
        requested_by text not null,
        summary jsonb,
        created_at timestamptz not null,
        finished_at timestamptz
      );
      create unique index reorganisation_one_running on reorganisation (predecessor_id) where status = 'running';
    `);
  }

  override async down(): Promise<void> {
    this.addSql(`
      drop table reorganisation;
      alter table organisation drop column successor_id;
    `);
  }
}

import { Migration } from '@mikro-orm/migrations';

/**
 * Issue 14 (LM-28): simulated service requests a supervisor records (the service item, the unit, whether paper was
 * demanded although sharing could supply it; a demand for paper is a finding of violation kind 5), and random
 * samples of a unit's licences with the seed and the population's cut-off they were drawn with.
 */
export class Migration20261202920100_simulated_requests extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table simulated_request (
        id text primary key,
        organisation_id text not null references organisation(id),
        service_item text not null,
        paper_demanded boolean not null,
        note text,
        recorded_by text not null,
        recorded_at timestamptz not null
      );
      create index simulated_request_unit_idx on simulated_request (organisation_id, recorded_at desc);

      create table random_sample (
        id text primary key,
        organisation_id text not null references organisation(id),
        seed bigint not null,
        cutoff timestamptz not null,
        size int not null,
        population_size int not null,
        licence_identifiers jsonb not null,
        drawn_by text not null,
        drawn_at timestamptz not null
      );
      create index random_sample_unit_idx on random_sample (organisation_id, drawn_at desc);
    `);
  }
}

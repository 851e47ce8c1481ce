import { Migration } from '@mikro-orm/migrations';

/**
 * Issue 19 (approval step latency): the jurisdiction tree and the units' functions are cached in every worker
 * (db/directory.ts) and checked against one version number per step. Every statement that changes `jurisdiction` or
 * `organisation`, whoever runs it, takes a new number from a sequence in the same transaction, so a change counts
 * from the first read after it commits, in every process; a rolled-back change's number is never seen again.
 */
export class Migration20261204200001_directory_version extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create sequence directory_version_seq;
      create table directory_version (
        id int primary key default 1 check (id = 1),
        version bigint not null
      );
      insert into directory_version (id, version) values (1, nextval('directory_version_seq'));
      create function directory_version_bump() returns trigger language plpgsql as $$
      begin
        update directory_version set version = nextval('directory_version_seq') where id = 1;
        return null;
      end $$;
      create trigger jurisdiction_directory_version after insert or update or delete or truncate on jurisdiction
        for each statement execute function directory_version_bump();
      create trigger organisation_directory_version after insert or update or delete or truncate on organisation
        for each statement execute function directory_version_bump();
    `);
  }

  override async down(): Promise<void> {
    this.addSql(`
      drop trigger organisation_directory_version on organisation;
      drop trigger jurisdiction_directory_version on jurisdiction;
      drop function directory_version_bump();
      drop table directory_version;
      drop sequence directory_version_seq;
    `);
  }
}

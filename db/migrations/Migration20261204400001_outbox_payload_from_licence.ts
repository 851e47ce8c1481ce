import { Migration } from '@mikro-orm/migrations';

/**
 * Issue 19 (LM-10): a converted licence's data-exchange message stores no payload. Its export (metadata, data and
 * signature record) is the licence row's own content, and writing it again in the message made a third of a
 * conversion's bytes (about 9 KB a row); the message is built from the licence when it is delivered
 * (activities/exchange.ts withPayloads). Other messages keep their payload.
 */
export class Migration20261204400001_outbox_payload_from_licence extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table exchange_outbox alter column payload drop not null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`
      update exchange_outbox o
         set payload = jsonb_build_object('format', 'jincheng-elicence/1', -- LICENCE_EXPORT_FORMAT
                                          'licence', jsonb_build_object('metadata', l.metadata, 'data', l.data),
                                          'signature', l.signature)
        from licence l
       where l.id = o.licence_id and o.payload is null;
      alter table exchange_outbox alter column payload set not null;
    `);
  }
}

/**
 * Two database roles (LM-25): the owner runs migrations and owns every table; the runtime role, which the API and
 * the workers connect as, reads and writes the business tables but may only INSERT into the audit log and its
 * seals (and SELECT them), never UPDATE, DELETE or TRUNCATE them, and never touches the chain heads (the chaining
 * trigger runs with the owner's rights). Granted again at every start, so that tables added by later migrations
 * are covered.
 */
import type { EntityManager } from '@mikro-orm/postgresql';

/** Tables the runtime role may only read and append to: the audit trail, the transparency log, signature material. */
const APPEND_ONLY = [
  'audit_event',
  'audit_day_seal',
  'log_leaf',
  'log_node',
  'log_tree_head',
  'signature_material',
];
/** Tables the runtime role may only read. */
const READ_ONLY = ['audit_chain_head', 'audit_signing_key', 'log_signing_key', 'mikro_orm_migrations'];

const ROLE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export interface RuntimeRole {
  name: string;
  /** Used only when the role does not exist yet and the owner may create roles (embedded PostgreSQL, tests). */
  password: string;
}

const quoteLiteral = (s: string) => `'${s.replace(/'/g, "''")}'`;

export async function ensureRuntimeRole(owner: EntityManager, role: RuntimeRole): Promise<void> {
  if (!ROLE_NAME.test(role.name)) throw new Error(`runtime database role name not allowed: ${role.name}`);
  const [me] = await owner.execute<Array<{ current_user: string; createrole: boolean }>>(
    `select current_user, r.rolcreaterole or r.rolsuper as createrole from pg_roles r where r.rolname = current_user`,
  );
  if (me?.current_user === role.name)
    throw new Error('the runtime role must not be the owner of the database');
  const exists = await owner.execute(`select 1 from pg_roles where rolname = ?`, [role.name]);
  if (exists.length === 0) {
    if (!me?.createrole) throw new Error(`the runtime database role ${role.name} does not exist`);
    // Two platforms starting at once (tests) may both try: the loser's duplicate is fine.
    await owner.execute(`
      do $$ begin
        create role "${role.name}" login password ${quoteLiteral(role.password)};
      exception when duplicate_object or unique_violation then null;
      end $$`);
  }
  const r = `"${role.name}"`;
  await owner.execute(`
    do $$ begin
      execute format('grant connect, temporary on database %I to ${r}', current_database());
    end $$;
    grant usage on schema public to ${r};
    grant select, insert, update, delete on all tables in schema public to ${r};
    grant usage, select, update on all sequences in schema public to ${r};
    revoke update, delete, truncate on ${APPEND_ONLY.join(', ')} from ${r};
    revoke insert, update, delete, truncate on ${READ_ONLY.join(', ')} from ${r};
  `);
}

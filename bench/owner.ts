/**
 * The database owner's connection to a test platform's database: the raw baselines create bare tables, which the
 * runtime role the platform connects as may not (LM-25, db/database-roles.ts).
 */
import { withDatabase } from '../test/support/global-setup';
import type { TestPlatform } from '../test/support/platform';

export const ownerUrl = (t: TestPlatform) =>
  withDatabase(process.env.TEST_POSTGRES_ADMIN_URL!, t.databaseName);

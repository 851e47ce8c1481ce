/** What global setup hands to the test files, through environment variables (jest runs them in other contexts). */
export const TEST_PKI_MASTER_KEY = 'test-only-pki-master-key';
export const TEMPLATE_DATABASE = 'platform_template';
/** The runtime database role the test platforms connect as; migrations run as the admin (owner) (LM-25). */
export const TEST_RUNTIME_ROLE = { name: 'elicense_app', password: 'test-only-runtime-password' };

/** The runtime role's connection URL to `database`, on the server of the admin URL. */
export function runtimeUrl(adminUrl: string, database: string): string {
  const u = new URL(adminUrl);
  u.pathname = `/${database}`;
  u.username = TEST_RUNTIME_ROLE.name;
  u.password = TEST_RUNTIME_ROLE.password;
  return u.toString();
}

export interface TestServices {
  postgresAdminUrl: string;
  temporalAddress: string;
  workflowBundlePath: string;
}

export function testServices(): TestServices {
  const postgresAdminUrl = process.env.TEST_POSTGRES_ADMIN_URL;
  const temporalAddress = process.env.TEST_TEMPORAL_ADDRESS;
  const workflowBundlePath = process.env.TEST_WORKFLOW_BUNDLE;
  if (!postgresAdminUrl || !temporalAddress || !workflowBundlePath) {
    throw new Error(
      'test services are not running: run the tests through jest (npm test), which starts them',
    );
  }
  return { postgresAdminUrl, temporalAddress, workflowBundlePath };
}

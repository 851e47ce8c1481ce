/** What global setup hands to the test files, through environment variables (jest runs them in other contexts). */
export const TEST_PKI_MASTER_KEY = 'test-only-pki-master-key';
export const TEMPLATE_DATABASE = 'platform_template';

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

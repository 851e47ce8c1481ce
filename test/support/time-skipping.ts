/**
 * A time-skipping Temporal environment for tests whose workflows wait days (working-day deadlines): Temporal's Java
 * test server (infra/temporal-test-server.ts) under `TestWorkflowEnvironment.createTimeSkipping`. Whenever the
 * test awaits a workflow result through `env.client`, the server jumps to the next timer instead of waiting.
 *
 * Workers must use `env.nativeConnection` and their own task queue. The server starts empty and in-memory, so the
 * typed search attributes (workflows/search-attributes.ts) are registered here, as the dev server gets them.
 */
import { encodeSearchAttributeIndexedValueType } from '@temporalio/common/lib/search-attributes';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { ensureTemporalTestServer } from '../../infra/temporal-test-server';
import { SEARCH_ATTRIBUTE_REGISTRATIONS } from '../../workflows/search-attributes';

type IndexedValueType = NonNullable<ReturnType<typeof encodeSearchAttributeIndexedValueType>>;

const log = (line: string) => process.stderr.write(`[time-skipping] ${line}\n`);

/** `KeywordList` (the CLI's spelling) → the API's IndexedValueType. */
export function indexedValueType(type: string): IndexedValueType {
  const name = type.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase();
  const encoded = encodeSearchAttributeIndexedValueType(name as never);
  if (!encoded) throw new Error(`unknown search attribute type ${type}`);
  return encoded;
}

export async function startTimeSkippingEnvironment(): Promise<TestWorkflowEnvironment> {
  let executable: string;
  try {
    executable = ensureTemporalTestServer(log);
  } catch (e) {
    throw new Error(
      `The Temporal test server is not available: ${e instanceof Error ? e.message : String(e)}\n` +
        'Install it with `npx tsx scripts/ensure-temporal-test-server.ts` (needs Java 11+ and Maven).',
    );
  }
  try {
    // Workers log their bundling and every state change at INFO; warnings and errors are enough here.
    Runtime.install({ logger: new DefaultLogger('WARN'), shutdownSignals: [] });
  } catch {
    // this test file installed or used a runtime already: keep it
  }
  const env = await createWithRetries(executable);
  try {
    await env.connection.operatorService.addSearchAttributes({
      namespace: env.namespace ?? 'default',
      searchAttributes: Object.fromEntries(
        Object.entries(SEARCH_ATTRIBUTE_REGISTRATIONS).map(([name, type]) => [name, indexedValueType(type)]),
      ),
    });
  } catch (e) {
    await env.teardown();
    throw e;
  }
  return env;
}

/**
 * The SDK gives the Java test server 5 s to listen; a JVM on a loaded 2-core machine may need longer. Such a start
 * is tried again (up to 6 times); any other failure is thrown at once.
 */
async function createWithRetries(executable: string): Promise<TestWorkflowEnvironment> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await TestWorkflowEnvironment.createTimeSkipping({
        server: { executable: { type: 'existing-path', path: executable } },
      });
    } catch (e) {
      if (attempt >= 6 || !String(e).includes('did not start within')) throw e;
      log(`the test server was slow to start (attempt ${attempt}); trying again`);
    }
  }
}

/**
 * Issue 11 Build 9: Schemathesis fuzzes every operation of the OpenAPI document against the running API, as four
 * roles, stateful phase included (the document's links carry ids from the operations that create or list tasks,
 * processes, seals, applications, seal-use requests, attachments, licences, types and flows to the operations that
 * take them). Any 5xx, undocumented status or body that breaks its documented schema fails the test, which prints
 * the findings. `.ci/run` installs Schemathesis (scripts/ensure-schemathesis.sh).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { startTestPlatform, TestPlatform } from '../support/platform';
import {
  FuzzingSeeds,
  FuzzResult,
  runSchemathesis,
  SCHEMATHESIS_BIN,
  seedFuzzingData,
} from '../support/schemathesis';

/** One account per kind of caller: platform admin, seal reviewer, seal applicant, licence issuer, licence holder. */
const ROLES = ['jc-admin', 'zz-approval-reviewer', 'zz-amr-clerk', 'zz-amr-issuer', 'holder-xingjin'];
const REPORT_DIR = path.join(__dirname, '..', '..', 'test-artifacts', 'schemathesis');

let t: TestPlatform;
let seeds: FuzzingSeeds;
const results: FuzzResult[] = [];
beforeAll(async () => {
  if (!existsSync(SCHEMATHESIS_BIN)) {
    throw new Error(
      `Schemathesis is not installed at ${SCHEMATHESIS_BIN}: run scripts/ensure-schemathesis.sh (.ci/run does)`,
    );
  }
  t = await startTestPlatform();
  seeds = await seedFuzzingData(t, ROLES);
}, 300_000);
afterAll(async () => {
  await t?.stop();
});

describe.each(ROLES)('Schemathesis as %s', (role) => {
  it('finds no 5xx, no undocumented status and no schema violation over every documented operation', async () => {
    // The platform admin gets the boundary-value (coverage) phase too; every role gets examples, random
    // fuzzing and the stateful phase that follows the links.
    const phases =
      role === 'jc-admin'
        ? ['examples', 'coverage', 'fuzzing', 'stateful']
        : ['examples', 'fuzzing', 'stateful'];
    const run = () =>
      runSchemathesis(t, role, {
        maxExamples: 5,
        phases,
        // Measured on 2 cores: about 60 s for the admin's run and 20 s for each other one when the machine is idle,
        // three to five times that when it is busy (CI); past the bound the run is killed and the test fails.
        timeoutMs: role === 'jc-admin' ? 420_000 : 180_000,
        reportDir: REPORT_DIR,
        seeds,
      });
    let result = await run();
    if (crashedInsideSchemathesis(result)) {
      // Schemathesis itself broke (seen once: Hypothesis' FlakyFailure over CPython's "AST constructor recursion
      // depth mismatch" while generating a body), which says nothing about the API: run once more. A finding, a
      // timeout or a second crash still fails the test.
      process.stderr.write(`\nSchemathesis crashed inside itself as ${role}; running it once more\n`);
      result = await run();
    }
    results.push(result);
    const findings = result.failures.map((f) => `${f.code} ${f.title}: ${f.operations.join(', ')}`);
    if (result.exitCode !== 0 || findings.length > 0) {
      process.stderr.write(
        `\n==== Schemathesis as ${role} (exit ${result.exitCode}) ====\n${result.output}\n`,
      );
    }
    expect(findings).toEqual([]);
    expect(result.exitCode).toBe(0);
    expect(result.cases).toBeGreaterThan(0);
  }, 900_000);
});

/** A run that ended in Schemathesis' own runtime error, with no finding about the API. */
function crashedInsideSchemathesis(result: FuzzResult): boolean {
  return (
    result.exitCode !== 0 &&
    result.failures.length === 0 &&
    /Runtime Error/.test(result.output) &&
    /SystemError|FlakyFailure|Traceback/.test(result.output)
  );
}

it('the runs reached every documented operation, most of them with a 2xx (reported)', () => {
  const operations = results[0]?.operations ?? [];
  const with2xx = new Set(results.flatMap((r) => [...r.operations2xx]));
  const cases = results.reduce((n, r) => n + r.cases, 0);
  process.stderr.write(
    `Schemathesis: ${cases} cases over ${operations.length} operations as ${results.length} roles ` +
      `(${results.map((r) => `${r.role} ${r.cases}`).join(', ')}); ${with2xx.size} operations answered a 2xx; ` +
      `never 2xx: ${operations.filter((o) => !with2xx.has(o)).join(', ') || 'none'}\n`,
  );
  expect(results).toHaveLength(ROLES.length);
  // A floor against links or seeds going stale, set between the two measured cases: 92 of 153 operations answered a
  // 2xx with the seeds, 79 when the seeds of the newest 34 operations were missing (one run varies by a few). The
  // rest need bodies the generator rarely gets right (images, check characters, a full licence type), or a task
  // still pending after another action decided it.
  expect(with2xx.size).toBeGreaterThanOrEqual(Math.floor(operations.length * 0.55));
});

/**
 * Schemathesis (Python, PyPI `schemathesis`) against a running test platform: where `.ci/run` installs it
 * (scripts/ensure-schemathesis.sh), the data the fuzzer starts from, one run per role, and what a run found.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { applicationBody } from './fixtures';
import { BUSINESS_LICENCE_CODE, businessLicenceBody, grantLicenceSealUse, issueLicence } from './licences';
import type { TestPlatform } from './platform';

/** The pinned version: `.ci/run` installs exactly this one (scripts/ensure-schemathesis.sh). */
export const SCHEMATHESIS_VERSION = '4.32.5';
export const SCHEMATHESIS_BIN =
  process.env.SCHEMATHESIS_BIN ??
  path.join(
    os.homedir(),
    '.cache',
    'elicense',
    `schemathesis-${SCHEMATHESIS_VERSION}`,
    'bin',
    'schemathesis',
  );

/**
 * What the stateful phase starts from, so that the links of the document reach existing objects: a pending seal
 * application (a task in 泽州县行政审批服务管理局's reviewers' inbox), a pending seal-use request (a process its
 * requester may urge, withdraw or copy), a standing licence-signing authorisation and one licence issued under it
 * (to 泽州县市场监督管理局), and an attachment of each fuzzed account.
 */
export async function seedFuzzingData(t: TestPlatform, usernames: string[]): Promise<void> {
  const must = (what: string, res: { status: number; body: unknown }, ok: number[]) => {
    if (!ok.includes(res.status)) throw new Error(`${what}: ${res.status} ${JSON.stringify(res.body)}`);
  };
  must(
    'seal application',
    await t.call('POST', '/api/seal-applications', { as: 'zz-amr-clerk', body: applicationBody() }),
    [201],
  );
  const granted = await grantLicenceSealUse(t, { typeCode: BUSINESS_LICENCE_CODE });
  await issueLicence(t, businessLicenceBody());
  must(
    'seal-use request',
    await t.call('POST', '/api/seal-use-requests', {
      as: 'zz-amr-clerk',
      body: {
        sealId: granted.sealId,
        documents: [{ title: '政府采购合同' }],
        maxUses: 3,
        validFrom: new Date(Date.now() - 60_000).toISOString(),
        validTo: new Date(Date.now() + 30 * 24 * 3600_000).toISOString(),
        reason: '签订政府采购合同',
      },
    }),
    [201],
  );
  for (const username of usernames) {
    const form = new FormData();
    form.append('file', new Blob(['附件内容'], { type: 'text/plain' }), 'note.txt');
    const res = await fetch(`${t.url}/api/attachments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await t.token(username)}` },
      body: form,
    });
    must(`attachment of ${username}`, { status: res.status, body: await res.text() }, [201]);
  }
}

export interface FuzzResult {
  role: string;
  exitCode: number | null;
  output: string;
  /** Test cases generated (the JSON report's test_cases.generated). */
  cases: number;
  /** Operations documented, and those of them that answered at least one 2xx in this run. */
  operations: string[];
  operations2xx: Set<string>;
  failures: Array<{ code: string; title: string; operations: string[] }>;
}

/**
 * One run over every documented operation as `role` (examples, coverage, fuzzing and stateful phases), with
 * at most `maxExamples` cases per operation; the checks: no 5xx, every status documented, bodies as documented.
 */
export async function runSchemathesis(
  t: TestPlatform,
  role: string,
  options: { maxExamples: number; phases: string[]; timeoutMs: number; reportDir: string },
): Promise<FuzzResult> {
  const dir = path.join(options.reportDir, role);
  mkdirSync(dir, { recursive: true });
  const args = [
    'run',
    `${t.url}/api/openapi.json`,
    '--url',
    t.url,
    '--header',
    `Authorization: Bearer ${await t.token(role)}`,
    '--checks',
    'not_a_server_error,status_code_conformance,response_schema_conformance',
    '--phases',
    options.phases.join(','),
    '--max-examples',
    String(options.maxExamples),
    '--workers',
    '2',
    '--seed',
    '20261201',
    '--no-shrink',
    '--request-timeout',
    '30',
    '--suppress-health-check',
    'all',
    '--report',
    'json,har',
    '--report-json-path',
    path.join(dir, 'report.json'),
    '--report-har-path',
    path.join(dir, 'requests.har'),
  ];
  const child = spawn(SCHEMATHESIS_BIN, args, {
    env: { ...process.env, NO_COLOR: '1', SCHEMATHESIS_TELEMETRY: 'false', PYTHONUNBUFFERED: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
  const exitCode = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearTimeout(timer);

  const document = (await t.call('GET', '/api/openapi.json')).body as {
    paths: Record<string, Record<string, unknown>>;
  };
  const operations = Object.entries(document.paths).flatMap(([p, ops]) =>
    Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`),
  );
  const reportPath = path.join(dir, 'report.json');
  const report = existsSync(reportPath)
    ? (JSON.parse(readFileSync(reportPath, 'utf8')) as {
        test_cases: { generated: number };
        failures: Array<{ code: string; title: string; operations: string[] }>;
      })
    : undefined;
  const operations2xx = new Set<string>();
  const harPath = path.join(dir, 'requests.har');
  if (existsSync(harPath)) {
    const match = operationMatcher(operations, t.url);
    const har = JSON.parse(readFileSync(harPath, 'utf8')) as {
      log: { entries: Array<{ request: { method: string; url: string }; response: { status: number } }> };
    };
    for (const entry of har.log.entries) {
      if (entry.response.status < 200 || entry.response.status > 299) continue;
      const operation = match(entry.request.method, entry.request.url);
      if (operation) operations2xx.add(operation);
    }
  }
  return {
    role,
    exitCode,
    output,
    cases: report?.test_cases.generated ?? 0,
    operations,
    operations2xx,
    failures: report?.failures ?? [],
  };
}

/** The documented operation a request went to: literal segments before templated ones (`/preview` ≠ `/{code}`). */
function operationMatcher(operations: string[], base: string) {
  const templates = operations
    .map((op) => {
      const [method, template] = op.split(' ');
      const source = template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+');
      return { op, method, re: new RegExp(`^${source}$`), params: (template.match(/\{/g) ?? []).length };
    })
    .sort((a, b) => a.params - b.params);
  return (method: string, url: string): string | undefined => {
    const pathname = new URL(url, base).pathname;
    return templates.find((x) => x.method === method.toUpperCase() && x.re.test(pathname))?.op;
  };
}

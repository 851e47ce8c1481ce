/**
 * Schemathesis (Python, PyPI `schemathesis`) against a running test platform: where `.ci/run` installs it
 * (scripts/ensure-schemathesis.sh), the data the fuzzer starts from, one run per role, and what a run found.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AppUser } from '../../db/entities';
import { applicationBody } from './fixtures';
import { DEMO_ENTERPRISE_USCC } from '../../seed/demo-licensing';
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
export async function seedFuzzingData(t: TestPlatform, usernames: string[]): Promise<FuzzingSeeds> {
  const must = (what: string, res: { status: number; body: unknown }, ok: number[]) => {
    if (!ok.includes(res.status)) throw new Error(`${what}: ${res.status} ${JSON.stringify(res.body)}`);
  };
  const application = await t.call('POST', '/api/seal-applications', {
    as: 'zz-amr-clerk',
    body: applicationBody(),
  });
  must('seal application', application, [201]);
  const granted = await grantLicenceSealUse(t, { typeCode: BUSINESS_LICENCE_CODE });
  const issued = await issueLicence(t, businessLicenceBody());
  const sealUse = await t.call('POST', '/api/seal-use-requests', {
    as: 'zz-amr-clerk',
    body: {
      sealId: granted.sealId,
      documents: [{ title: '政府采购合同' }],
      maxUses: 3,
      validFrom: new Date(Date.now() - 60_000).toISOString(),
      validTo: new Date(Date.now() + 30 * 24 * 3600_000).toISOString(),
      reason: '签订政府采购合同',
    },
  });
  must('seal-use request', sealUse, [201]);
  const inbox = await t.call('GET', '/api/tasks?box=pending', { as: 'zz-approval-reviewer' });
  const task = (inbox.body.items as Array<{ taskId: string; processId: string; processKey: string }>).find(
    (x) => x.processId === application.body.id,
  );
  if (!task) throw new Error(`no review task for application ${application.body.id}`);
  const flows = await t.call('GET', '/api/flow-definitions', { as: 'jc-admin' });
  // A licence of the demo company, so that its holder account's portal operations reach a licence of its own
  // (issue 16), and a staged legacy conversion job of the issuer (issue 19).
  const holders = await issueLicence(
    t,
    businessLicenceBody({ holder: { name: '晋城市兴晋煤业有限公司', code: DEMO_ENTERPRISE_USCC } }),
  );
  const conversion = await fetch(`${t.url}/api/conversions/ndjson?licenceType=${BUSINESS_LICENCE_CODE}`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${await t.token('zz-amr-issuer')}`,
      'content-type': 'application/x-ndjson',
    },
    body: `${JSON.stringify({ 证照编号: 'LEGACY-1', 名称: '晋城市旧证煤业有限公司' })}\n`,
  });
  const conversionText = await conversion.text();
  must('conversion job', { status: conversion.status, body: conversionText }, [201]);
  const sealCode = (await t.call('GET', '/api/seals', { as: 'zz-amr-clerk' })).body.items[0].esId as string;
  // A case the issuer announced as closed (issue 14), and a person of another county whom nobody fuzzes as, so that
  // the fuzzed people operations (issue 15) reach a real account without locking a fuzzed one out.
  const announced = await t.call('POST', '/api/cases', {
    as: 'zz-amr-issuer',
    body: {
      caseId: 'FUZZ-CASE-1',
      licenceType: BUSINESS_LICENCE_CODE,
      closedAt: new Date(Date.now() - 60_000).toISOString(),
    },
  });
  must('announced case', announced, [201]);
  const person = await t.em().findOneOrFail(AppUser, { username: 'gp-amr-clerk' }, { fields: ['id'] });
  // The holder's dispute over its own licence (issue 13), and a force-majeure incident of the issuer's unit.
  const dispute = await t.call('POST', `/api/licenses/${holders.licence.identifier}/disputes`, {
    as: 'holder-xingjin',
    body: { ground: 'accuracy', items: ['住所'], description: '住所已迁至泽州县金村镇，证照未更新' },
  });
  must('dispute', dispute, [201]);
  const incident = await t.call('POST', '/api/force-majeure-incidents', {
    as: 'zz-amr-issuer',
    body: {
      failure: '业务审批系统数据库服务器硬盘损坏，无法生成证照数据',
      since: new Date(Date.now() - 3600_000).toISOString(),
      typeCodes: [BUSINESS_LICENCE_CODE],
      measures: '已启用纸质受理登记，联系厂商更换硬盘并从备份恢复',
    },
  });
  must('force-majeure incident', incident, [201]);
  const seeds: FuzzingSeeds = {
    applicationId: application.body.id,
    taskId: task.taskId,
    applicationProcessKey: task.processKey,
    sealUseRequestId: sealUse.body.id,
    sealUseProcessKey: sealUse.body.approval.workflowId,
    licenceIdentifier: issued.licence.identifier,
    holderLicenceIdentifier: holders.licence.identifier,
    conversionJobId: JSON.parse(conversionText).id,
    sealCode,
    announcedCaseId: 'FUZZ-CASE-1',
    disputeId: dispute.body.id,
    incidentId: incident.body.id,
    personId: person.id,
    caseId: issued.issuance.caseId,
    flowDefinitionId: flows.body.items[0].id,
    licenceTypeCode: BUSINESS_LICENCE_CODE,
    sealOf: {},
    attachmentOf: {},
  };
  // Staff accounts only: a holder has neither seals nor a unit to attach files for.
  for (const username of usernames.filter((u) => !u.startsWith('holder-'))) {
    const seals = await t.call('GET', '/api/seals', { as: username });
    seeds.sealOf[username] = seals.body.items[0].id;
    const form = new FormData();
    form.append('file', new Blob(['附件内容'], { type: 'text/plain' }), 'note.txt');
    const res = await fetch(`${t.url}/api/attachments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await t.token(username)}` },
      body: form,
    });
    const text = await res.text();
    must(`attachment of ${username}`, { status: res.status, body: text }, [201]);
    seeds.attachmentOf[username] = JSON.parse(text).id;
  }
  return seeds;
}

/** The ids the fuzzed operations are pointed at (Schemathesis' `[[operations]] parameters`), next to the links. */
export interface FuzzingSeeds {
  applicationId: string;
  /** A pending review task of the seal application, held by 泽州县行政审批服务管理局's reviewers. */
  taskId: string;
  applicationProcessKey: string;
  sealUseRequestId: string;
  /** The seal-use approval process, started by zz-amr-clerk (who may urge, withdraw or copy it). */
  sealUseProcessKey: string;
  licenceIdentifier: string;
  /** A licence of 晋城市兴晋煤业有限公司, whose holder account is `holder-xingjin`. */
  holderLicenceIdentifier: string;
  /** A staged (not started) legacy conversion job of zz-amr-issuer. */
  conversionJobId: string;
  /** The 18-digit code of 泽州县市场监督管理局's first seal, for its public status. */
  sealCode: string;
  caseId: string;
  /** A case zz-amr-issuer announced as closed, without a licence yet. */
  announcedCaseId: string;
  /** holder-xingjin's dispute over its licence. */
  disputeId: string;
  /** A force-majeure incident zz-amr-issuer reported. */
  incidentId: string;
  /** gp-amr-clerk: a person of 高平市, not among the fuzzed accounts. */
  personId: string;
  flowDefinitionId: string;
  licenceTypeCode: string;
  sealOf: Record<string, string>;
  attachmentOf: Record<string, string>;
}

/**
 * The configuration of one run (schemathesis.toml): at most `maxExamples` cases per operation and phase, 80
 * stateful scenarios of up to 10 steps, and the id parameters of the operations on existing objects set to the
 * seeded ones, so that the fuzzed bodies and queries reach a real task, process, seal, licence … rather than 404.
 */
function configFor(role: string, seeds: FuzzingSeeds, maxExamples: number): string {
  const process = role === 'zz-amr-clerk' ? seeds.sealUseProcessKey : seeds.applicationProcessKey;
  const overrides: Array<[pathRegex: string, parameter: string, value: string | undefined]> = [
    ['^/api/tasks/\\{id\\}/', 'id', seeds.taskId],
    ['^/api/approvals/\\{id\\}', 'id', process],
    ['^/api/seals/\\{id\\}', 'id', seeds.sealOf[role]],
    ['^/api/attachments/\\{id\\}$', 'id', seeds.attachmentOf[role]],
    ['^/api/seal-applications/\\{id\\}', 'id', seeds.applicationId],
    ['^/api/seal-use-requests/\\{id\\}$', 'id', seeds.sealUseRequestId],
    [
      '^/api/licenses/\\{identifier\\}',
      'identifier',
      role.startsWith('holder-') ? seeds.holderLicenceIdentifier : seeds.licenceIdentifier,
    ],
    ['^/api/conversions/\\{id\\}', 'id', seeds.conversionJobId],
    ['^/api/public/seals/\\{code\\}$', 'code', seeds.sealCode],
    ['^/api/status-lists/\\{id\\}$', 'id', '0'],
    ['^/api/licenses/issuances/\\{caseId\\}$', 'caseId', seeds.caseId],
    ['^/api/flow-definitions/\\{id\\}', 'id', seeds.flowDefinitionId],
    ['^/api/license-types/\\{code\\}$', 'code', seeds.licenceTypeCode],
    ['^/api/cases/\\{caseId\\}$', 'caseId', seeds.announcedCaseId],
    // 高平市市场监督管理局: in the city admin's jurisdiction, and not the unit of any fuzzed account.
    ['^/api/organisations/\\{id\\}', 'id', 'gp-amr'],
    ['^/api/people/\\{id\\}', 'id', seeds.personId],
    ['^/api/disputes/\\{id\\}', 'id', seeds.disputeId],
    ['^/api/force-majeure-incidents/\\{id\\}', 'id', seeds.incidentId],
  ];
  return [
    '[generation]',
    `max-examples = ${maxExamples}`,
    '[phases.stateful]',
    'max-steps = 10',
    '[phases.stateful.generation]',
    'max-examples = 80',
    // The unit whose certificates are listed: the fuzzed staff accounts' own.
    '[[operations]]',
    'include-path-regex = "^/api/organisation-certificates$"',
    'parameters = { "query.organisationId" = "zz-amr" }',
    // A flow definition's body nests steps, approvers and conditions: the boundary-value phase alone made ~2,900 of
    // the admin run's ~8,800 requests, and pushed the run past its bound on a busy CI machine. Its examples, random
    // fuzzing and stateful phases still run; test/unit/flow-definition.test.ts and flow-definitions.test.ts cover
    // the validation rules one by one.
    '[[operations]]',
    'include-path = "/api/flow-definitions"',
    'include-method = "POST"',
    '[operations.phases.coverage]',
    'enabled = false',
    ...overrides.flatMap(([regex, parameter, value]) =>
      value === undefined
        ? []
        : [
            '[[operations]]',
            `include-path-regex = ${JSON.stringify(regex)}`,
            `parameters = { "path.${parameter}" = ${JSON.stringify(value)} }`,
          ],
    ),
  ].join('\n');
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
  options: {
    maxExamples: number;
    phases: string[];
    timeoutMs: number;
    reportDir: string;
    seeds: FuzzingSeeds;
  },
): Promise<FuzzResult> {
  const dir = path.join(options.reportDir, role);
  mkdirSync(dir, { recursive: true });
  rmSync(path.join(dir, 'report.json'), { force: true });
  rmSync(path.join(dir, 'requests.har'), { force: true });
  const configFile = path.join(dir, 'schemathesis.toml');
  writeFileSync(configFile, configFor(role, options.seeds, options.maxExamples));
  const args = [
    '--config-file',
    configFile,
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
    // Schemathesis keeps a cache (.schemathesis/) in its working directory: under test-artifacts, not the repo.
    cwd: dir,
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
  const report = readJson<{
    test_cases: { generated: number };
    failures: Array<{ code: string; title: string; operations: string[] }>;
  }>(path.join(dir, 'report.json'));
  const operations2xx = new Set<string>();
  const har = readJson<{
    log: { entries: Array<{ request: { method: string; url: string }; response: { status: number } }> };
  }>(path.join(dir, 'requests.har'));
  const match = operationMatcher(operations, t.url);
  for (const entry of har?.log.entries ?? []) {
    if (entry.response.status < 200 || entry.response.status > 299) continue;
    const operation = match(entry.request.method, entry.request.url);
    if (operation) operations2xx.add(operation);
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

/** A report of this run, or undefined when the run was killed before it wrote one in full. */
function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
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

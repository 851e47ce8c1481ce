/**
 * Input that cannot hurt (issue 11, Build 1), on a real platform: the certificate caches behind the public
 * `POST /api/verify` are keyed by fingerprint after a strict parse and stay within their entry and byte bounds; face
 * templates carry no script; every HTML response has a CSP without inline script; an SVG imprint with a namespaced
 * script is refused; admin patterns that backtrack catastrophically are refused; a county administrator cannot
 * change what applies city-wide, and a holder cannot list staff; rate limits answer 429 with Retry-After; and the
 * fuzzer's findings (malformed multipart, masking rules, request ids, declared attachment types) are 4xx, not 500.
 */
import { generateKeyPairSync } from 'node:crypto';
import forge from 'node-forge';
import { AuditEvent } from '../../db/entities';
import { catalogueSeed, LICENCE_TYPE_NAMES } from '../../db/licence-catalogue-seed';
import { licenceCopyPath } from '../../domain/licence';
import type { LicenceExport } from '../../pki/licence-document';
import {
  certificateCacheStats,
  configureCertificateCaches,
  DEFAULT_CACHE_LIMITS,
} from '../../pki/certificate-cache';
import { applicationBody } from '../support/fixtures';
import {
  BUSINESS_LICENCE_CODE,
  businessLicenceBody,
  grantLicenceSealUse,
  issueLicence,
} from '../support/licences';
import { startTestPlatform, TestPlatform } from '../support/platform';

let t: TestPlatform;
let identifier: string;
let exported: LicenceExport;

const COPIES_PER_MINUTE = 3;
const LOGIN_PER_MINUTE = 5;
const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;
const verify = (body: unknown) => t.call('POST', '/api/verify', { body });

beforeAll(async () => {
  t = await startTestPlatform({
    env: {
      RATE_LIMIT_COPIES_PER_MINUTE: String(COPIES_PER_MINUTE),
      RATE_LIMIT_LOGIN_PER_MINUTE: String(LOGIN_PER_MINUTE),
      // The cache test sends 300 verifications from one address.
      RATE_LIMIT_VERIFY_PER_MINUTE: '1000',
    },
  });
  await grantLicenceSealUse(t, { typeCode: BUSINESS_LICENCE_CODE });
  identifier = (await issueLicence(t, businessLicenceBody())).licence.identifier;
  const res = await t.call('GET', `/api/licenses/${identifier}/export`, { as: 'zz-amr-system' });
  expect(res.status).toBe(200);
  exported = res.body;
});

afterAll(async () => {
  configureCertificateCaches(DEFAULT_CACHE_LIMITS);
  await t?.stop();
});

// ---------------------------------------------------------------------------------------------------------------

/** `count` distinct certificates, quickly: one small key, many serials (none issued by the platform's CA). */
function distinctCertificates(count: number): string[] {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
  const key = forge.pki.privateKeyFromPem(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
  const pub = forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString());
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const cert = forge.pki.createCertificate();
    cert.publicKey = pub;
    cert.serialNumber = (0x10000 + i).toString(16);
    cert.validity.notBefore = new Date(Date.UTC(2026, 0, 1));
    cert.validity.notAfter = new Date(Date.UTC(2036, 0, 1));
    const attrs = [{ name: 'commonName', value: `cache-test-${i}` }];
    cert.setSubject(attrs);
    cert.setIssuer(attrs);
    cert.sign(key as forge.pki.rsa.PrivateKey, forge.md.sha256.create());
    out.push(forge.pki.certificateToPem(cert));
  }
  return out;
}

describe('certificate caches behind POST /api/verify', () => {
  it('the genuine export verifies PASSED (the strict parse accepts what the platform writes)', async () => {
    const res = await verify({ document: exported });
    expect([res.status, res.body.indication]).toEqual([200, 'PASSED']);
  });

  it('the padded export is FAILED/FORMAT_FAILURE and adds no cache entry', async () => {
    await verify({ document: exported }); // the genuine certificate is cached now
    const before = certificateCacheStats();
    const pem = exported.signature.signerCertificate;
    const variants = [
      `${pem}${'A'.repeat(64 * 1024)}`, // trailing junk
      `junk before the block\n${pem}`, // leading junk
      `${pem}${pem}`, // two blocks
      `${pem}\n\n`, // more than one final line break
    ];
    for (const signerCertificate of variants) {
      const document = clone(exported);
      document.signature.signerCertificate = signerCertificate;
      const res = await verify({ document });
      expect(res.status).toBe(200);
      expect([res.body.indication, res.body.subIndication]).toEqual(['FAILED', 'FORMAT_FAILURE']);
    }
    expect(certificateCacheStats().parsed).toEqual(before.parsed);
    expect(certificateCacheStats().issued).toEqual(before.issued);
  });

  it('under 300 distinct certificates both caches stay within their entry and byte bounds', async () => {
    const limits = { maxEntries: 100, maxBytes: 48 * 1024, maxEntryBytes: 16 * 1024 };
    configureCertificateCaches(limits);
    const certificates = distinctCertificates(300);
    let peakEntries = 0;
    for (const signerCertificate of certificates) {
      const document = clone(exported);
      document.signature.signerCertificate = signerCertificate;
      const res = await verify({ document });
      expect(res.status).toBe(200);
      expect(res.body.indication).not.toBe('PASSED');
      const stats = certificateCacheStats();
      for (const cache of [stats.parsed, stats.issued]) {
        expect(cache.entries).toBeLessThanOrEqual(limits.maxEntries);
        expect(cache.bytes).toBeLessThanOrEqual(limits.maxBytes);
      }
      peakEntries = Math.max(peakEntries, stats.parsed.entries);
    }
    // The bounds were reached (the test exercised eviction), and the caches still serve: the genuine export
    // verifies PASSED afterwards.
    expect(peakEntries).toBeGreaterThan(limits.maxEntries / 2);
    expect(certificateCacheStats().parsed.bytes).toBeGreaterThan(limits.maxBytes / 2);
    expect((await verify({ document: exported })).body.indication).toBe('PASSED');
    configureCertificateCaches(DEFAULT_CACHE_LIMITS);
  });

  it('a body larger than a licence export needs is 413', async () => {
    const document = clone(exported) as unknown as Record<string, unknown>;
    document.padding = 'x'.repeat(2 * 1024 * 1024);
    const res = await verify({ document });
    expect(res.status).toBe(413);
  });
});

// ---------------------------------------------------------------------------------------------------------------

const ADMIN = 'jc-admin';
const SEED_FACE = () =>
  catalogueSeed().find((d) => d.name === LICENCE_TYPE_NAMES.businessLicence)!.face!.template as string;

/** A new national type (under 国家市场监督管理总局) with the given face template and data-item pattern. */
function drugLicence(template: string, over: Record<string, unknown> = {}) {
  return {
    code: '11100000000013338W077',
    name: '药品经营许可证',
    definingAuthority: { name: '国家市场监督管理总局', code: '11100000000013338W', level: 'national' },
    issuingUnitIds: ['zz-amr'],
    holderCategory: 'legal_person',
    dataItems: [
      { key: 'scope', label: '经营范围', type: 'string', required: true, maxLength: 200 },
      {
        key: 'legalRepresentative',
        label: '法定代表人',
        type: 'string',
        required: true,
        maxLength: 50,
        sensitive: true,
        mask: { keepStart: 1, keepEnd: 0 },
      },
    ],
    face: { template, background: '#f7fbff', sample: {} },
    sealKind: 'business',
    validity: { kind: 'fixed_term', years: 5, months: 0 },
    serviceItems: [],
    reminderDaysBeforeExpiry: [],
    ...over,
  };
}

const problemsOf = (res: { body: { error: { details: Array<{ field: string; rule: string }> } } }) =>
  res.body.error.details.map((d) => `${d.field}:${d.rule}`);

describe('face templates: an allowlist of elements and attributes, at save time', () => {
  it.each([
    ['a <script> element', '<p>{{data.scope}}</p><script>alert(1)</script>'],
    ['an event attribute', '<table><tr><td onmouseover="alert(1)">{{data.scope}}</td></tr></table>'],
    ['a javascript: URL', '<p><a href="javascript:alert(1)">{{data.scope}}</a></p>'],
    ['a javascript: URL hidden by white space and case', '<p class=" JaVa&#09;script:alert(1)">x</p>'],
    ['the unescaped {{{x}}}', '<p>{{{data.scope}}}</p>'],
    ['the unescaped {{&x}}', '<p>{{& data.scope}}</p>'],
    ['a namespaced script', '<p>{{data.scope}}</p><x:script>alert(1)</x:script>'],
  ])('%s is refused with 400 naming face.template', async (_what, template) => {
    const res = await t.call('POST', '/api/license-types', { as: ADMIN, body: drugLicence(template) });
    expect(res.status).toBe(400);
    expect(problemsOf(res)).toContain('face.template:template_allowlist');
  });

  it('the preview refuses it too', async () => {
    const res = await t.call('POST', '/api/license-types/preview', {
      as: ADMIN,
      body: { definition: drugLicence('<p onclick="x()">{{data.scope}}</p>') },
    });
    expect(res.status).toBe(400);
    expect(problemsOf(res)).toContain('definition.face.template:template_allowlist');
  });

  it('a layout-only template is saved, as the sanitiser writes it', async () => {
    const template = '<table><tr><th>经营范围</th><td>{{or data.scope "—"}}</td></tr></table><br>';
    const res = await t.call('POST', '/api/license-types', { as: ADMIN, body: drugLicence(template) });
    expect(res.status).toBe(201);
    expect(res.body.face.template).toBe(
      '<table><tr><th>经营范围</th><td>{{or data.scope "—"}}</td></tr></table><br />',
    );
    await t.call('DELETE', `/api/license-types/${res.body.code}/draft`, { as: ADMIN });
  });
});

describe('admin-written patterns (ReDoS)', () => {
  it('a pattern with catastrophic backtracking is refused with 400 naming the data item', async () => {
    const body = drugLicence(SEED_FACE());
    (body.dataItems[0] as Record<string, unknown>).pattern = '([a-z]+)+';
    const res = await t.call('POST', '/api/license-types', { as: ADMIN, body });
    expect(res.status).toBe(400);
    expect(problemsOf(res)).toContain('dataItems.0.pattern:redos');
    expect(res.body.error.message).toContain('回溯');
  });

  it('a plain pattern is accepted', async () => {
    const body = drugLicence(SEED_FACE());
    (body.dataItems[0] as Record<string, unknown>).pattern = '[\\u4e00-\\u9fa5A-Za-z0-9，、；]{1,200}';
    const res = await t.call('POST', '/api/license-types', { as: ADMIN, body });
    expect(res.status).toBe(201);
    await t.call('DELETE', `/api/license-types/${res.body.code}/draft`, { as: ADMIN });
  });

  it.each([
    [1, 3],
    [3, 1],
    [19, 20],
  ])('a masking rule keepStart=%i keepEnd=%i is handled (201), never a 500', async (keepStart, keepEnd) => {
    const body = drugLicence(SEED_FACE());
    (body.dataItems[1] as Record<string, unknown>).mask = { keepStart, keepEnd };
    body.face.sample = { legalRepresentative: '赵大勇', scope: '处方药' } as never;
    const res = await t.call('POST', '/api/license-types', { as: ADMIN, body });
    expect(res.status).toBe(201);
    await t.call('DELETE', `/api/license-types/${res.body.code}/draft`, { as: ADMIN });
  });

  it.each([[{ keepStart: 1.5, keepEnd: 0 }], [{ keepStart: -1, keepEnd: 0 }], [{ keepStart: 1 }]])(
    'a malformed masking rule %j is 400 naming the field',
    async (mask) => {
      const body = drugLicence(SEED_FACE());
      (body.dataItems[1] as Record<string, unknown>).mask = mask;
      const res = await t.call('POST', '/api/license-types', { as: ADMIN, body });
      expect(res.status).toBe(400);
      expect(res.body.error.details[0].field).toMatch(/^dataItems\.1\.mask/);
    },
  );
});

// ---------------------------------------------------------------------------------------------------------------

/** The script-src of a response's CSP (default-src when none). */
function scriptSources(csp: string | null): string {
  expect(csp).toBeTruthy();
  const directives = new Map(
    csp!.split(';').map((d) => {
      const [name, ...values] = d.trim().split(/\s+/);
      return [name!, values.join(' ')] as const;
    }),
  );
  return directives.get('script-src') ?? directives.get('default-src')!;
}

describe('every HTML response carries a strict CSP and the usual headers', () => {
  it('pages public and signed-in, copies, errors and the API docs: no inline script allowed', async () => {
    const cookieRes = await fetch(`${t.url}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'username=zz-amr-clerk',
      redirect: 'manual',
    });
    const cookie = cookieRes.headers.get('set-cookie')?.split(';')[0];
    const pages: Array<[string, string | undefined]> = [
      ['/login', undefined],
      [`/verify/${identifier}`, undefined],
      ['/verify', undefined],
      ['/no-such-page', undefined],
      ['/api/docs/', undefined],
      ['/', cookie],
      ['/seal-applications/new', cookie],
      ['/licence-types', cookie],
      [`/licence-types/${BUSINESS_LICENCE_CODE}`, cookie],
    ];
    for (const [path, c] of pages) {
      const res = await fetch(`${t.url}${path}`, { headers: c ? { cookie: c } : {}, redirect: 'manual' });
      const type = res.headers.get('content-type') ?? '';
      if (res.status < 300) expect(`${path} ${type}`).toMatch(/text\/html/);
      const scripts = scriptSources(res.headers.get('content-security-policy'));
      expect(`${path}: ${scripts}`).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
      expect(res.headers.get('content-security-policy')).toMatch(/object-src 'none'/);
      expect(res.headers.get('content-security-policy')).toMatch(/frame-ancestors 'none'/);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      const html = await res.text();
      // No page of ours relies on inline script (which the policy would block).
      if (type.includes('text/html')) expect(`${path}: ${html}`).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/);
    }
  });
});

describe('SVG imprints', () => {
  it('an SVG with a namespaced <x:script> is refused with 400 naming imprint.data', async () => {
    const svg =
      '<svg xmlns="http://www.w3.org/2000/svg" xmlns:x="http://www.w3.org/2000/svg" width="200" height="200">' +
      '<circle cx="100" cy="100" r="92" fill="none" stroke="#c00" stroke-width="6"/>' +
      '<x:script>alert(document.domain)</x:script></svg>';
    const res = await t.call('POST', '/api/seal-applications', {
      as: 'zz-amr-clerk',
      body: applicationBody({
        imprint: {
          mediaType: 'image/svg+xml',
          data: Buffer.from(svg).toString('base64'),
          widthMm: 42,
          heightMm: 42,
        },
      }),
    });
    expect(res.status).toBe(400);
    expect(res.body.error.details.map((d: { field: string }) => d.field)).toContain('imprint.data');
  });
});

// ---------------------------------------------------------------------------------------------------------------

describe("jurisdiction: what applies city-wide is the city top management unit's", () => {
  it("a county admin creating a national type's new version is 403, audited", async () => {
    const national = catalogueSeed().find((d) => d.name === LICENCE_TYPE_NAMES.businessLicence)!;
    const res = await t.call('POST', '/api/license-types', { as: 'zz-admin', body: national });
    expect(res.status).toBe(403);
    const audit = await t.em().find(AuditEvent, { actorUsername: 'zz-admin', action: 'licence_type.change' });
    expect(audit.at(-1)).toMatchObject({ outcome: 'denied', targetId: BUSINESS_LICENCE_CODE });
  });

  it("a county admin publishing or discarding the city admin's draft of a national type is 403", async () => {
    const draft = await t.call('POST', '/api/license-types', { as: ADMIN, body: drugLicence(SEED_FACE()) });
    expect(draft.status).toBe(201);
    const code = draft.body.code as string;
    expect((await t.call('POST', `/api/license-types/${code}/publish`, { as: 'zz-admin' })).status).toBe(403);
    expect((await t.call('DELETE', `/api/license-types/${code}/draft`, { as: 'zz-admin' })).status).toBe(403);
    const put = await t.call('PUT', `/api/license-types/${code}/draft`, {
      as: 'zz-admin',
      body: drugLicence(SEED_FACE(), {
        definingAuthority: { ...drugLicence('').definingAuthority, level: 'county' },
      }),
    });
    expect(put.status).toBe(403);
    expect((await t.call('DELETE', `/api/license-types/${code}/draft`, { as: ADMIN })).status).toBe(204);
  });

  it('a county admin editing the working-day calendar is 403; the city admin may', async () => {
    const current = await t.call('GET', '/api/calendar/years/2026', { as: ADMIN });
    const body = { holidays: current.body.holidays, workdays: current.body.workdays };
    const denied = await t.call('PUT', '/api/calendar/years/2026', { as: 'zz-admin', body });
    expect(denied.status).toBe(403);
    expect(denied.body.error.message).toContain('工作日历适用于全市');
    const audit = await t.em().find(AuditEvent, { actorUsername: 'zz-admin', action: 'calendar.update' });
    expect(audit.at(-1)).toMatchObject({ outcome: 'denied' });
    expect((await t.call('PUT', '/api/calendar/years/2026', { as: ADMIN, body })).status).toBe(200);
  });

  it('a holder listing staff is 403; staff may', async () => {
    for (const holder of ['holder-zhangwei', 'holder-xingjin']) {
      const res = await t.call('GET', '/api/users?organisationId=zz-amr', { as: holder });
      expect(res.status).toBe(403);
    }
    const staff = await t.call('GET', '/api/users?organisationId=zz-amr', { as: 'zz-amr-clerk' });
    expect(staff.status).toBe(200);
    expect(staff.body.items.length).toBeGreaterThan(0);
  });
});

// ---------------------------------------------------------------------------------------------------------------

describe('rate limits (api/rate-limits.ts), set low for this test', () => {
  it('the public copy past the limit from one address is 429 with Retry-After', async () => {
    // A copy needs the licence's access code (printed in the QR code of every copy).
    const code = (await t.call('GET', `/api/licenses/${identifier}`, { as: 'zz-amr-system' })).body
      .accessCode;
    const statuses: number[] = [];
    let last: Response | undefined;
    for (let i = 0; i <= COPIES_PER_MINUTE; i++) {
      last = await fetch(`${t.url}${licenceCopyPath(identifier, code, 'html')}`);
      statuses.push(last.status);
      await last.arrayBuffer();
    }
    expect(statuses.slice(0, COPIES_PER_MINUTE).every((s) => s === 200)).toBe(true);
    expect(statuses.at(-1)).toBe(429);
    expect(Number(last!.headers.get('retry-after'))).toBeGreaterThan(0);
    // The PDF copy shares the limit.
    const pdf = await fetch(`${t.url}${licenceCopyPath(identifier, code, 'pdf')}`);
    expect(pdf.status).toBe(429);
    expect(pdf.headers.get('retry-after')).toMatch(/^\d+$/);
  });

  it('sign-in attempts for one account past the limit are 429 with Retry-After, in the error format', async () => {
    let res: Response | undefined;
    for (let i = 0; i <= LOGIN_PER_MINUTE; i++) {
      res = await fetch(`${t.url}/api/auth/dev-login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'gp-amr-clerk' }),
      });
      if (i < LOGIN_PER_MINUTE) expect(res.status).not.toBe(429);
    }
    expect(res!.status).toBe(429);
    expect(Number(res!.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await res!.json()).error.code).toBe('TOO_MANY_REQUESTS');
  });
});

// ---------------------------------------------------------------------------------------------------------------

describe("the fuzzer's findings", () => {
  it('a malformed multipart body to POST /api/attachments is 400, not 500', async () => {
    const token = await t.token('zz-amr-clerk');
    const res = await fetch(`${t.url}/api/attachments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'multipart/form-data; boundary=XYZ' },
      body: '--XYZ\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\nContent-Type: text/plain\r\n\r\nunterminated',
    });
    expect(res.status).toBe(400);
    expect((await res.json()).error.details[0]).toMatchObject({ field: 'file' });
  });

  it('an attachment whose bytes are not its declared type is 400; a real one is stored', async () => {
    const upload = async (bytes: Buffer, type: string, name: string) => {
      const form = new FormData();
      form.append('file', new Blob([new Uint8Array(bytes)], { type }), name);
      return fetch(`${t.url}/api/attachments`, {
        method: 'POST',
        headers: { authorization: `Bearer ${await t.token('zz-amr-clerk')}` },
        body: form,
      });
    };
    const html = Buffer.from('<html><script>alert(1)</script></html>');
    const fake = await upload(html, 'application/pdf', 'x.pdf');
    expect(fake.status).toBe(400);
    expect((await fake.json()).error.details[0]).toMatchObject({ field: 'file', rule: 'content_type' });
    const binaryAsText = await upload(Buffer.from([0x00, 0x01, 0x02, 0xff]), 'text/plain', 'x.txt');
    expect(binaryAsText.status).toBe(400);
    const pdf = await upload(Buffer.from('%PDF-1.7\n%%EOF\n'), 'application/pdf', '意见.pdf');
    expect(pdf.status).toBe(201);
  });

  it('a NUL character is refused before it reaches the database: 400 naming the field in a query or body, 404 in a path', async () => {
    // The ORM writes parameters into the SQL text, where a NUL cut the statement (08P01): it was answered 503.
    const query = await t.call('GET', '/api/usage-list-requests?organisationId=org%00x', {
      as: 'zz-approval-reviewer',
    });
    expect(query.status).toBe(400);
    expect(query.body.error.details[0]).toMatchObject({ field: 'organisationId', rule: 'no_nul' });
    const holder = await t.call('GET', '/api/licenses?holderCode=%00abc', { as: 'holder-xingjin' });
    expect(holder.status).toBe(400);
    const body = await t.call('POST', '/api/verify', { body: { identifier: `${identifier}\u0000` } });
    expect(body.status).toBe(400);
    expect(body.body.error.details[0]).toMatchObject({ field: 'identifier', rule: 'no_nul' });
    const path = await t.call('GET', `/api/licenses/${identifier}%00/export`, { as: 'zz-amr-system' });
    expect(path.status).toBe(404);
    // The connection pool is unharmed: the same requests without the NUL still work.
    expect((await t.call('GET', '/api/usage-list-requests', { as: 'zz-approval-reviewer' })).status).toBe(
      200,
    );
    expect((await t.call('POST', '/api/verify', { body: { identifier } })).status).toBe(200);
  });

  it('an unbounded X-Request-Id is replaced, never echoed or stored', async () => {
    const long = 'r'.repeat(10_000);
    const res = await t.call('POST', '/api/verify', {
      body: { identifier },
      headers: { 'x-request-id': long },
    });
    expect(res.status).toBe(200);
    const id = res.headers.get('x-request-id')!;
    expect(id).not.toBe(long);
    expect(id.length).toBeLessThanOrEqual(64);
    const plain = await t.call('GET', '/health', { headers: { 'x-request-id': 'drill-42.a' } });
    expect(plain.headers.get('x-request-id')).toBe('drill-42.a');
  });
});

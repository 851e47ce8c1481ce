/**
 * Helpers for e-licence tests through the API: a standing seal-use authorisation for a licence type obtained
 * through the real seal-use approval (SM-12), a valid 营业执照 issuance body, issuing and waiting for the licence,
 * and a real HTTP receiver standing in for the data-exchange platform (LM-8).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { catalogueSample, LICENCE_TYPE_NAMES } from '../../db/licence-catalogue-seed';
import { LicenceType } from '../../db/licence-entities';
import { approvalWorkflowId } from '../../domain/approval';
import { licenceSealDocumentTitle } from '../../domain/licence';
import { buildUscc } from '../../domain/uscc';
import type { HttpResult, TestPlatform } from './platform';
import { listen } from '../../infra/listen';

/** 营业执照 (SAMR 001), issued by every county's market regulation bureau, 泽州县 included. */
export const BUSINESS_LICENCE_CODE = '11100000000013338W001';
/** 食品经营许可证 (SAMR 002). */
export const FOOD_BUSINESS_CODE = '11100000000013338W002';
/** 居民身份证 (MPS 001), issued by the counties' public security bureaus. */
export const IDENTITY_CARD_CODE = '11100000000019713D001';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface GrantedSealUse {
  requestId: string;
  authorisationId: string;
  sealId: string;
  /** The grantee: the requester, who is named as 签章人 in every signature made under it. */
  granteeUsername: string;
}

/**
 * A standing authorisation to sign licences of `typeCode` with the requester's unit's 证照专用章, through the real
 * flow: the requester (a seal applicant or unit leader of the issuing unit) asks for up to 1000 uses over 300 days
 * for the document title the issuance looks for (licenceSealDocumentTitle), and the approvers approve every task
 * until the request is approved (the default seal_use flow: the unit leader, one step).
 */
export async function grantLicenceSealUse(
  t: TestPlatform,
  options: {
    typeCode: string;
    /** Who requests the use; defaults to 泽州县市场监督管理局's seal applicant. */
    requester?: string;
    /** Alias of `requester`. */
    organisationUsername?: string;
    /** Who may hold the approval tasks; each is asked in turn. Defaults to the unit leader. */
    approvers?: string[];
    maxUses?: number;
    /** The seal to use, by its name; defaults to the unit's first active 证照专用章. */
    sealName?: string;
  },
): Promise<GrantedSealUse> {
  const requester = options.requester ?? options.organisationUsername ?? 'zz-amr-clerk';
  const approvers = options.approvers ?? ['zz-amr-leader'];
  const type = await t
    .em()
    .findOne(LicenceType, { code: options.typeCode, status: 'published' }, { disableIdentityMap: true });
  if (!type) throw new Error(`no published licence type ${options.typeCode}`);

  const seals = await t.call('GET', '/api/seals', { as: requester });
  if (seals.status !== 200) throw new Error(`GET /api/seals: ${seals.status} ${JSON.stringify(seals.body)}`);
  const seal = (seals.body.items as Array<{ id: string; name: string; status: string }>).find(
    (s) =>
      (options.sealName ? s.name === options.sealName : s.name.endsWith('证照专用章')) &&
      s.status === 'active',
  );
  if (!seal) throw new Error(`${requester}'s unit has no active 证照专用章`);

  const submitted = await t.call('POST', '/api/seal-use-requests', {
    as: requester,
    body: {
      sealId: seal.id,
      documents: [{ title: licenceSealDocumentTitle(type.definition) }],
      maxUses: options.maxUses ?? 1000,
      validFrom: new Date(Date.now() - 60_000).toISOString(),
      validTo: new Date(Date.now() + 300 * 24 * 3600_000).toISOString(),
      reason: `签发${type.name}（业务系统按办结情况自动签发）`,
    },
  });
  if (submitted.status !== 201) {
    throw new Error(`seal-use request: ${submitted.status} ${JSON.stringify(submitted.body)}`);
  }
  const requestId = submitted.body.id as string;
  const processKey = approvalWorkflowId('seal_use', requestId);

  for (let i = 0; i < 600; i++) {
    const view = await t.call('GET', `/api/seal-use-requests/${requestId}`, { as: requester });
    if (view.body.status === 'approved' && view.body.authorisation) {
      return {
        requestId,
        authorisationId: view.body.authorisation.id,
        sealId: seal.id,
        granteeUsername: requester,
      };
    }
    if (view.body.status !== 'pending') {
      throw new Error(`seal-use request ${requestId} ended ${view.body.status}`);
    }
    for (const approver of approvers) {
      const inbox = await t.call('GET', '/api/tasks?box=pending', { as: approver });
      const task = (inbox.body.items as Array<{ taskId: string | null; processKey: string }>).find(
        (x) => x.processKey === processKey && x.taskId,
      );
      if (!task) continue;
      const approved = await t.call('POST', `/api/tasks/${task.taskId}/approve`, {
        as: approver,
        body: { comment: '同意签发证照用印' },
      });
      // 409: decided by someone else in between; the loop looks again.
      if (approved.status !== 200 && approved.status !== 409) {
        throw new Error(`${approver} approving: ${approved.status} ${JSON.stringify(approved.body)}`);
      }
    }
    await sleep(100);
  }
  throw new Error(`seal-use request ${requestId} was not approved`);
}

/** An 18-character USCC with a valid check character, different on every call (an enterprise in 泽州县). */
export function randomUscc(): string {
  const alphabet = '0123456789ABCDEFGHJKLMNPQRTUWXY';
  const bytes = randomBytes(8);
  const body = [...bytes].map((b) => alphabet[b % alphabet.length]).join('');
  return buildUscc('9', '1', '140525', body);
}

/** The same USCC with a wrong check character. */
export function withWrongCheck(uscc: string): string {
  const last = uscc.at(-1)!;
  return uscc.slice(0, 17) + (last === '0' ? '1' : '0');
}

type Body = Record<string, unknown>;

/**
 * A valid 营业执照 issuance for 泽州县市场监督管理局, with a fresh case id and holder code. `data` and `holder`
 * overrides are merged into the defaults (a key set to `undefined` is left out of the JSON); others replace.
 */
export function businessLicenceBody(
  overrides: Body & { data?: Body; holder?: Body } = {},
): Body & { caseId: string; holder: Body; data: Body } {
  const { data, holder, ...rest } = overrides;
  const caseId = (rest.caseId as string | undefined) ?? `ZZ-SCJG-${randomUUID()}`;
  return {
    licenceType: BUSINESS_LICENCE_CODE,
    caseId,
    caseClosedAt: new Date().toISOString(),
    licenceNumber: `泽市监字${randomBytes(4).toString('hex').toUpperCase()}号`,
    ...rest,
    holder: {
      name: '晋城市丹河煤业有限公司',
      code: randomUscc(),
      email: `holder-${randomBytes(4).toString('hex')}@jincheng.example`,
      ...holder,
    },
    data: {
      ...catalogueSample(LICENCE_TYPE_NAMES.businessLicence),
      ...data,
    },
  };
}

/**
 * A valid 食品经营许可证 issuance for 泽州县市场监督管理局: the 营业执照 body with the food-business data items
 * instead (`data` overrides merge in; other overrides replace, as in businessLicenceBody).
 */
export function foodBusinessBody(
  overrides: Body & { data?: Body; holder?: Body } = {},
): Body & { caseId: string; holder: Body; data: Body } {
  const { data, ...rest } = overrides;
  const body = businessLicenceBody({ licenceType: FOOD_BUSINESS_CODE, ...rest });
  return {
    ...body,
    data: {
      ...catalogueSample(LICENCE_TYPE_NAMES.foodBusiness),
      ...data,
    },
  };
}

/** A change (new version) of a licence issued from `issued`: its own case id, the new legal representative. */
export function changeBody(
  issued: { caseId: string; data: Body },
  legalRepresentative = '李建国',
): Body & { caseId: string; data: Body } {
  return {
    caseId: `${issued.caseId}-BG1`,
    caseClosedAt: new Date().toISOString(),
    changeKind: 'change',
    reason: '法定代表人变更',
    data: { ...issued.data, legalRepresentative },
  };
}

/**
 * Issues through `POST /api/licenses` and waits for the licence: a 201 answers at once; a 202 (still pending, or
 * awaiting a seal-use authorisation) is polled at `GET /api/licenses/issuances/:caseId` until issued. Returns
 * `{ issuance, licence }` as the 201 would; throws on anything else.
 */
export async function issueLicence(
  t: TestPlatform,
  body: Body & { caseId: string },
  as = 'zz-amr-system',
): Promise<{ issuance: any; licence: any }> {
  const res = await t.call('POST', '/api/licenses', { as, body });
  if (res.status === 201 || (res.status === 200 && res.body.licence)) return res.body;
  if (res.status !== 202 && res.status !== 200) {
    throw new Error(`POST /api/licenses: ${res.status} ${JSON.stringify(res.body)}`);
  }
  return waitForIssued(t, body.caseId, as);
}

/** Polls the issuance of `caseId` until its licence is issued. */
export async function waitForIssued(
  t: TestPlatform,
  caseId: string,
  as = 'zz-amr-system',
): Promise<{ issuance: any; licence: any }> {
  let last: HttpResult | undefined;
  for (let i = 0; i < 600; i++) {
    last = await t.call('GET', `/api/licenses/issuances/${encodeURIComponent(caseId)}`, { as });
    if (last.status === 200 && last.body.issuance.status === 'issued' && last.body.licence) return last.body;
    if (last.status === 200 && last.body.issuance.status === 'failed') break;
    await sleep(100);
  }
  throw new Error(`issuance ${caseId} was not issued: ${last?.status} ${JSON.stringify(last?.body)}`);
}

export interface ExchangeDelivery {
  idempotencyKey: string | undefined;
  headers: IncomingHttpHeaders;
  body: any;
  /** The status the receiver answered. */
  status: number;
}

export interface ExchangeReceiver {
  url: string;
  /** Every request received, failed ones included, in order. */
  attempts: ExchangeDelivery[];
  /** The requests carrying one message (by Idempotency-Key, the outbox id). */
  attemptsOf(messageId: string): ExchangeDelivery[];
  /** The requests answered 2xx. */
  deliveries(): ExchangeDelivery[];
  /** Resolves once `n` requests were answered 2xx. */
  waitForDeliveries(n: number, timeoutMs?: number): Promise<ExchangeDelivery[]>;
  /** Takes the endpoint down (connections refused) until `up()`; a fault drill's exchange outage. */
  down(): Promise<void>;
  /** Brings the endpoint back on the same port, keeping what it recorded. */
  up(): Promise<void>;
  close(): Promise<void>;
}

/**
 * A real HTTP server on a free port standing in for the data-exchange platform: it records every POST and answers
 * 500 to the first `failFirst` attempts of each message (by its Idempotency-Key), 200 after; so every licence
 * issued in a test file meets the same failures, whatever else the file issued before it.
 */
export async function startExchangeReceiver(options: { failFirst?: number } = {}): Promise<ExchangeReceiver> {
  const failFirst = options.failFirst ?? 0;
  const attempts: ExchangeDelivery[] = [];
  const failedSoFar = new Map<string, number>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // keep the text
      }
      const key = (req.headers['idempotency-key'] as string | undefined) ?? '';
      const failed = failedSoFar.get(key) ?? 0;
      const status = failed < failFirst ? 500 : 200;
      if (status === 500) failedSoFar.set(key, failed + 1);
      attempts.push({
        idempotencyKey: key || undefined,
        headers: req.headers,
        body,
        status,
      });
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(status === 200 ? { received: true } : { error: 'temporarily unavailable' }));
    });
  });
  await listen(server, 0, '127.0.0.1');
  const port = (server.address() as AddressInfo).port;
  const deliveries = () => attempts.filter((a) => a.status >= 200 && a.status < 300);
  const close = () =>
    new Promise<void>((resolve, reject) => {
      server.closeAllConnections();
      server.close((err) => (err ? reject(err) : resolve()));
    });
  return {
    url: `http://127.0.0.1:${port}/exchange/licences`,
    attempts,
    attemptsOf: (messageId) => attempts.filter((a) => a.idempotencyKey === messageId),
    deliveries,
    async waitForDeliveries(n, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      while (deliveries().length < n) {
        if (Date.now() > deadline) {
          throw new Error(`${deliveries().length} of ${n} deliveries within ${timeoutMs} ms`);
        }
        await sleep(50);
      }
      return deliveries();
    },
    down: close,
    up: () => listen(server, port, '127.0.0.1'),
    close: async () => {
      if (server.listening) await close();
    },
  };
}

/** `GET /health` reports the database and Temporal; the OpenAPI document describes every endpoint. */
import { startTestPlatform, TestPlatform } from '../support/platform';

let t: TestPlatform;
beforeAll(async () => {
  t = await startTestPlatform();
});
afterAll(async () => {
  await t?.stop();
});

it('GET /health answers 200 with the database and Temporal ok', async () => {
  const res = await t.call('GET', '/health');
  expect(res.status).toBe(200);
  expect(res.body).toEqual({ status: 'ok', database: { ok: true }, temporal: { ok: true } });
});

it('GET /api/openapi.json describes every endpoint, and Swagger UI is served', async () => {
  const res = await t.call('GET', '/api/openapi.json');
  expect(res.status).toBe(200);
  expect(Object.keys(res.body.paths).sort()).toEqual(
    [
      '/health',
      '/api/auth/dev-login',
      '/api/me',
      '/api/seal-applications',
      '/api/seal-applications/{id}',
      '/api/seal-applications/{id}/imprint',
      '/api/tasks',
      ...[
        'approve',
        'reject',
        'transfer',
        'delegate',
        'add-signer',
        'remove-signer',
        'return',
        'cc',
        'suspend',
        'resume',
      ].map((a) => `/api/tasks/{id}/${a}`),
      '/api/approvals/{id}',
      ...['withdraw', 'urge', 'cc', 'resume'].map((a) => `/api/approvals/{id}/${a}`),
      '/api/notices',
      '/api/supervision/pending-tasks',
      '/api/supervision/deadline-breaches',
      '/api/flow-definitions',
      '/api/flow-definitions/{id}',
      '/api/flow-definitions/{id}/preview',
      '/api/flow-definitions/{id}/publish',
      '/api/flow-definitions/{id}/restore',
      '/api/attachments',
      '/api/attachments/{id}',
      '/api/users',
      '/api/seal-use-requests',
      '/api/seal-use-requests/{id}',
      '/api/seal-use-authorisations',
      '/api/seals/{id}/sign',
      '/api/seals/{id}/signatures',
      '/api/seals',
      '/api/seals/{id}',
      '/api/seals/{id}/imprint',
      '/api/calendar/deadline',
      '/api/calendar/years',
      '/api/calendar/years/{year}',
      '/api/verify',
      '/api/license-types',
      '/api/license-types/preview',
      '/api/license-types/{code}',
      '/api/license-types/{code}/draft',
      '/api/license-types/{code}/publish',
      '/api/licenses',
      '/api/licenses/late',
      '/api/licenses/issuances/{caseId}',
      '/api/licenses/{identifier}',
      '/api/licenses/{identifier}/export',
      '/api/licenses/{identifier}/ses-signature',
      '/api/licenses/{identifier}/versions',
      // issue 12: lifecycle events, status at a moment, exchange reconciliation, a seal's life
      '/api/licenses/{identifier}/events',
      '/api/licenses/{identifier}/status',
      '/api/exchange/reconciliation',
      '/api/exchange/resend',
      '/api/public/seals/{code}',
      '/api/seal-status-requests',
      '/api/seal-status-requests/{id}',
      '/api/seals/{id}/custodians',
      '/api/seals/{id}/custodian-changes',
      '/api/seal-custodian-changes/{id}',
      '/api/seal-use-handovers/{id}/decision',
      '/api/organisation-certificates',
      '/api/organisation-certificates/requests',
      '/api/organisation-certificates/requests/{id}',
      '/api/seals/{id}/loss',
      '/api/seals/{id}/status-history',
      '/api/seals/{id}/status-requests',
      // issue 18: stamping PDFs, certificate status
      '/api/seals/{id}/stamp',
      '/api/seals/{id}/stamp-batch',
      '/api/stamped-documents/{id}',
      '/api/stamped-documents/{id}/pdf',
      '/api/pki/crl',
      '/api/pki/ocsp',
      // issue 13: disputes
      '/api/licenses/{identifier}/disputes',
      '/api/disputes',
      '/api/disputes/{id}',
      ...['mark', 'answer', 'request-material', 'withdraw'].map((a) => `/api/disputes/{id}/${a}`),
      '/api/supervision/disputes',
      '/api/organisations/{id}/designated-staff',
      '/api/supervision/designated-staff-missing',
      '/api/force-majeure-incidents',
      '/api/force-majeure-incidents/{id}',
      '/api/force-majeure-incidents/{id}/clear',
      '/api/force-majeure-incidents/{id}/acknowledge',
      // issue 15: organisations and people
      '/api/organisation-tree',
      '/api/organisations',
      '/api/organisations/{id}',
      '/api/organisations/{id}/close',
      '/api/organisations/{id}/people',
      '/api/people/{id}',
      '/api/people/{id}/deactivate',
      '/api/organisations/{id}/reorganisation-preview',
      '/api/reorganisations',
      '/api/reorganisations/{id}',
      '/api/verify/pdf',
      '/api/verify/signature',
      // issue 20: the transparency log
      '/api/transparency-log/tree-head',
      '/api/transparency-log/tree-heads',
      '/api/transparency-log/proof/inclusion',
      '/api/transparency-log/proof/consistency',
      '/api/transparency-log/leaves',
      // issue 20 Build 3: the trust list
      '/api/trust-anchors',
      '/api/trust-anchors/{id}',
      // issue 19: legacy conversion and its completion report
      '/api/conversions',
      '/api/conversions/ndjson',
      '/api/conversions/{id}',
      '/api/conversions/{id}/mapping',
      '/api/conversions/{id}/start',
      '/api/conversions/{id}/rejected.csv',
      '/api/conversion/estimates',
      '/api/conversion/completion',
      // issue 16: 亮证, status lists, consents, access history, archive
      '/api/presentation-keys',
      '/api/presentation-labels',
      '/api/status-lists/{id}',
      '/api/licenses/{identifier}/presentations',
      '/api/licenses/{identifier}/access-history',
      '/api/licenses/{identifier}/consents',
      '/api/consents/{id}/revoke',
      '/api/licence-archives',
      '/api/usage-list',
      '/api/usage-list-requests',
      '/api/usage-list-requests/{id}',
      '/api/service-items',
      '/api/service-items/{code}',
      // issue 14: announced cases, findings, rectification orders
      '/api/cases',
      '/api/cases/{caseId}',
      '/api/supervision/findings',
      '/api/supervision/findings/{id}/dismiss',
      '/api/supervision/runs',
      '/api/supervision/simulated-requests',
      '/api/paper-complaints',
      '/api/supervision/samples',
      '/api/supervision/samples/{id}/checks',
      '/api/rectification-orders',
      '/api/rectification-orders/{id}',
      ...['submit', 'accept', 'return', 'extend'].map((a) => `/api/rectification-orders/{id}/${a}`),
      '/api/reports/assessment',
      '/api/reports/assessment.xlsx',
      '/api/reports/assessment.pdf',
      '/api/reports/assessment/targets',
    ].sort(),
  );
  expect(res.body.components.schemas.SealApplicationRequest.properties.kind.enum).toContain('legal_name');
  const docs = await fetch(`${t.url}/api/docs/`);
  expect(docs.status).toBe(200);
  expect(await docs.text()).toContain('swagger-ui');
});

it('unknown API paths answer in the error format', async () => {
  const res = await t.call('GET', '/api/nothing-here', { as: 'zz-amr-clerk' });
  expect(res.status).toBe(404);
  expect(res.body).toEqual({ error: { code: 'NOT_FOUND', message: expect.any(String), details: null } });
});

it('dev login refuses an unknown account with 401', async () => {
  const res = await t.call('POST', '/api/auth/dev-login', { body: { username: 'nobody' } });
  expect(res.status).toBe(401);
  expect(res.body.error.code).toBe('UNAUTHENTICATED');
});

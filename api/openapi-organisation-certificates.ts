/**
 * The OpenAPI description of organisation certificates (issue 12 Build 5, SM-5(1), SM-6), spread into
 * api/openapi.ts.
 */
import { CertificateRequestBody } from '../domain/organisation-certificate';
import { error, idParam, json, query, ref, schema, secured } from './openapi-parts';

const idempotencyKey = { name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string' } };

const CertificateRequest = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    organisationId: { type: 'string' },
    processKind: {
      type: 'string',
      enum: ['certificate_application', 'certificate_renewal', 'certificate_revocation'],
    },
    action: { type: 'string', enum: ['apply', 'renew', 'revoke'] },
    certificateId: { type: ['string', 'null'] },
    reason: { type: 'string' },
    status: { type: 'string', enum: ['pending', 'approved', 'rejected', 'withdrawn'] },
    outcomeReason: { type: ['string', 'null'] },
    outcomeCertificateId: { type: ['string', 'null'] },
    approval: { type: 'object', properties: { workflowId: { type: 'string' }, url: { type: 'string' } } },
  },
};

export const CERTIFICATE_SCHEMAS = {
  CertificateRequestBody: schema(CertificateRequestBody, 'input'),
  CertificateRequest,
  OrganisationCertificate: {
    type: 'object',
    properties: {
      id: { type: 'string' },
      organisationId: { type: 'string' },
      serialNumber: { type: 'string' },
      subject: { type: 'string' },
      notBefore: { type: 'string', format: 'date-time' },
      notAfter: { type: 'string', format: 'date-time' },
      status: { type: 'string', enum: ['valid', 'expired', 'revoked', 'not_yet_valid'] },
      statusLabel: { type: 'string' },
      revokedAt: { type: ['string', 'null'], format: 'date-time' },
      revocationReason: { type: ['string', 'null'] },
      renewalWindowOpen: { type: 'boolean' },
      certificatePem: { type: 'string' },
    },
  },
};

export const CERTIFICATE_PATHS = {
  '/api/organisation-certificates': {
    get: {
      summary:
        "An organisation's certificates (newest first) and its certificate requests: its own staff and the units overseeing it",
      security: secured,
      parameters: [
        {
          ...query('organisationId', { type: 'string', minLength: 1, maxLength: 100 }, 'The organisation'),
          required: true,
        },
      ],
      responses: {
        '200': {
          description: 'Certificates and requests',
          content: json({
            type: 'object',
            properties: {
              items: { type: 'array', items: ref('OrganisationCertificate') },
              requests: { type: 'array', items: ref('CertificateRequest') },
            },
          }),
        },
        '400': error('organisationId missing'),
        '401': error('Not authenticated'),
        '403': error('Neither its staff nor overseeing it'),
      },
    },
  },
  '/api/organisation-certificates/requests': {
    post: {
      summary:
        "Apply for, renew (within the 30 days before it expires) or revoke an organisation certificate (SM-5(1), SM-6); decided by the approval engine (the seal management department by default), then carried out by the CA on the signing queue. The organisation's own seal_applicant or unit_leader. Optional Idempotency-Key header",
      security: secured,
      parameters: [idempotencyKey],
      requestBody: { required: true, content: json(ref('CertificateRequestBody')) },
      responses: {
        '201': { description: 'Submitted', content: json(ref('CertificateRequest')) },
        '200': {
          description: 'Same Idempotency-Key: the earlier request',
          content: json(ref('CertificateRequest')),
        },
        '400': error('Invalid input, naming each field; nothing stored'),
        '401': error('Not authenticated'),
        '403': error('Another organisation, or the caller lacks the role'),
        '404': error('No such certificate of the organisation'),
        '409': error(
          'A rule forbids it (details.rule: certificate_in_force, renewal_window_not_open, certificate_revoked, certificate_expired, one_pending_request)',
        ),
        '422': error('No approval flow is configured'),
        '503': error('Temporal is unavailable; retry with the same key'),
      },
    },
  },
  '/api/organisation-certificates/requests/{id}': {
    get: {
      summary: 'A certificate request with its approval process link and outcome',
      security: secured,
      parameters: [idParam('id')],
      responses: {
        '200': { description: 'Request', content: json(ref('CertificateRequest')) },
        '401': error('Not authenticated'),
        '403': error('Not allowed'),
        '404': error('Not found'),
      },
    },
  },
};

/** The OpenAPI description of a seal's status (issue 12 Build 5, SM-15, SM-16), spread into api/openapi.ts. */
import { SealLossReportBody, SealStatusRequestBody } from '../domain/seal-status';
import { error, idParam, json, ref, schema, secured } from './openapi-parts';

const idempotencyKey = { name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string' } };
const STATUS = { type: 'string', enum: ['active', 'lost', 'cancelled'] };

export const SEAL_STATUS_SCHEMAS = {
  SealLossReportBody: schema(SealLossReportBody, 'output'),
  SealStatusRequestBody: schema(SealStatusRequestBody, 'input'),
  SealStatus: {
    type: 'object',
    properties: {
      sealId: { type: 'string' },
      code: { type: 'string' },
      status: STATUS,
      statusLabel: { type: 'string' },
      since: { type: 'string', format: 'date-time' },
      reason: { type: ['string', 'null'] },
    },
  },
  SealStatusRequest: {
    type: 'object',
    properties: {
      id: { type: 'string' },
      sealId: { type: 'string' },
      processKind: { type: 'string', enum: ['seal_cancellation', 'seal_loss_handling', 'seal_renewal'] },
      action: { type: 'string', enum: ['cancel', 'restore', 'renew'] },
      reason: { type: 'string' },
      effectiveFrom: { type: ['string', 'null'], format: 'date-time' },
      status: { type: 'string', enum: ['pending', 'approved', 'rejected', 'withdrawn'] },
      outcomeReason: { type: ['string', 'null'] },
      approval: {
        type: 'object',
        properties: { workflowId: { type: 'string' }, url: { type: 'string' } },
      },
    },
  },
  PublicSealStatus: {
    type: 'object',
    properties: {
      code: { type: 'string' },
      name: { type: 'string' },
      kindLabel: { type: 'string' },
      organisationName: { type: 'string' },
      status: STATUS,
      statusLabel: { type: 'string' },
      since: { type: 'string', format: 'date-time' },
      validFrom: { type: 'string', format: 'date-time' },
      validTo: { type: 'string', format: 'date-time' },
      history: { type: 'array', items: { type: 'object' } },
    },
  },
};

export const SEAL_STATUS_PATHS = {
  '/api/public/seals/{code}': {
    get: {
      summary: "A seal's status and since when, by its 18-digit seal code; no login (SM-15, SM-16)",
      security: [],
      parameters: [idParam('code')],
      responses: {
        '200': { description: 'Status', content: json(ref('PublicSealStatus')) },
        '400': error('Not an 18-digit seal code'),
        '404': error('No such seal'),
      },
    },
  },
  '/api/seals/{id}/loss': {
    post: {
      summary:
        "Report the seal lost (SM-16): the seal is suspended at once, without approval; its own unit's seal_applicant or unit_leader. Optional Idempotency-Key header",
      security: secured,
      parameters: [idParam('id'), idempotencyKey],
      requestBody: { required: true, content: json(ref('SealLossReportBody')) },
      responses: {
        '200': { description: 'The seal, now lost', content: json(ref('SealStatus')) },
        '400': error('Invalid input, naming each field; nothing changed'),
        '401': error('Not authenticated'),
        '403': error('A seal of another organisation, or the caller lacks the role'),
        '404': error('No such seal'),
        '409': error('The seal is already lost or cancelled'),
      },
    },
  },
  '/api/seals/{id}/status-history': {
    get: {
      summary: "The seal's status and every change of it, with the time it took effect",
      security: secured,
      parameters: [idParam('id')],
      responses: {
        '200': { description: 'Status and history' },
        '401': error('Not authenticated'),
        '403': error('Not allowed'),
        '404': error('Not found'),
      },
    },
  },
  '/api/seals/{id}/status-requests': {
    get: {
      summary: "The seal's cancellation and loss-handling requests",
      security: secured,
      parameters: [idParam('id')],
      responses: {
        '200': { description: 'List' },
        '401': error('Not authenticated'),
        '403': error('Not allowed'),
        '404': error('Not found'),
      },
    },
  },
  '/api/seal-status-requests': {
    post: {
      summary:
        'Request the cancellation of a seal (SM-15, with proof attachments from POST /api/attachments, effective from a stated time) or, for a lost seal, its cancellation or restoration (SM-16); decided by the approval engine (seal management department by default). Optional Idempotency-Key header',
      security: secured,
      parameters: [idempotencyKey],
      requestBody: { required: true, content: json(ref('SealStatusRequestBody')) },
      responses: {
        '201': { description: 'Submitted', content: json(ref('SealStatusRequest')) },
        '200': {
          description: 'Same Idempotency-Key: the earlier request',
          content: json(ref('SealStatusRequest')),
        },
        '400': error('Invalid input, naming each field; nothing stored'),
        '401': error('Not authenticated'),
        '403': error('A seal of another organisation, or the caller lacks the role'),
        '404': error('No such seal'),
        '409': error('The seal is already cancelled, not lost (restore), or has a request pending'),
        '422': error('No approval flow is configured'),
        '503': error('Temporal is unavailable; retry with the same key'),
      },
    },
  },
  '/api/seal-status-requests/{id}': {
    get: {
      summary: 'A cancellation or loss-handling request with its approval process link',
      security: secured,
      parameters: [idParam('id')],
      responses: {
        '200': { description: 'Request', content: json(ref('SealStatusRequest')) },
        '401': error('Not authenticated'),
        '403': error('Not allowed'),
        '404': error('Not found'),
      },
    },
  },
};

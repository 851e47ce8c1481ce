/**
 * Issue 12: the OpenAPI description of licence lifecycle events and the status at a moment, spread into
 * api/openapi.ts; the request body from the validating zod schema.
 */
import { LICENCE_STATUSES } from '../domain/licence';
import { LICENCE_EVENT_KINDS, SUSPENSION_KINDS } from '../domain/licence-lifecycle';
import { LicenceEventBody } from '../domain/licence-lifecycle-schema';
import { ResendBody } from './services/exchange';
import { error, json, ref, schema, secured } from './openapi-parts';

const identifier = {
  name: 'identifier',
  in: 'path',
  required: true,
  description: '证照标识 (GB/T 36904)',
  schema: { type: 'string' },
};
const eventResponse = (description: string) => ({
  description,
  content: json({ type: 'object', properties: { event: ref('LicenceEvent') } }),
});

export const LICENCE_LIFECYCLE_SCHEMAS = {
  ExchangeResendBody: schema(ResendBody),
  LicenceEventBody: schema(LicenceEventBody),
  LicenceEvent: {
    type: 'object',
    properties: {
      id: { type: 'string' },
      caseId: { type: 'string' },
      kind: { type: 'string', enum: [...LICENCE_EVENT_KINDS] },
      kindLabel: { type: 'string' },
      status: {
        type: 'string',
        enum: ['pending', 'awaiting_approval', 'awaiting_seal', 'recorded', 'rejected', 'failed'],
      },
      statusReason: { type: ['string', 'null'] },
      legalBasis: { type: 'string' },
      reason: { type: 'string' },
      fields: { type: 'object', additionalProperties: { type: 'string' } },
      requestedBy: { type: 'string' },
      requestedAt: { type: 'string', format: 'date-time' },
      effectiveAt: { type: ['string', 'null'], format: 'date-time' },
      recordedAt: { type: ['string', 'null'], format: 'date-time' },
      statusAfter: { type: ['string', 'null'] },
      signature: {
        type: ['object', 'null'],
        properties: {
          sealName: { type: 'string' },
          signingTime: { type: 'string' },
          dataHash: { type: 'string' },
        },
      },
      approvalId: { type: ['string', 'null'], description: 'The approval process (GET /api/approvals/{id})' },
      newIdentifier: {
        type: ['string', 'null'],
        description: '补发 and 延续, once recorded: the identifier of the new version',
      },
    },
  },
  LicenceStatusAt: {
    type: 'object',
    properties: {
      identifier: { type: 'string' },
      at: { type: 'string', format: 'date-time' },
      status: { type: 'string', enum: [...LICENCE_STATUSES, 'not_issued'] },
      statusLabel: { type: 'string' },
      since: { type: ['string', 'null'], format: 'date-time' },
      suspensions: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            kind: { type: 'string', enum: [...SUSPENSION_KINDS] },
            since: { type: 'string', format: 'date-time' },
            reason: { type: 'string' },
            eventId: { type: 'string' },
          },
        },
      },
      suspensionLabels: { type: 'array', items: { type: 'string' } },
    },
  },
};

export const LICENCE_LIFECYCLE_PATHS = {
  '/api/licenses/{identifier}/events': {
    post: {
      summary:
        'Record a lifecycle event (年检, 挂失, 质押, 暂扣, 注销, 撤销, 吊销, 废止 …) by the issuing unit; idempotent by caseId; 注销/撤销/吊销/废止 wait for the unit leader’s approval',
      security: secured,
      parameters: [identifier],
      requestBody: { required: true, content: json(ref('LicenceEventBody')) },
      responses: {
        '201': eventResponse('Recorded and signed'),
        '202': eventResponse('Accepted, awaiting approval or a seal-use authorisation'),
        '200': eventResponse('The same case id with the same content again: its current state'),
        '400': error('Invalid input naming each field (e.g. pledgee required for 质押)'),
        '401': error('Not authenticated'),
        '403': error('Not the issuing unit’s licence_issuer / licence_system'),
        '404': error('No such licence'),
        '409': error('An illegal transition (details.rule names it) or the case id used with other content'),
        '422': error('No approval flow configured'),
        '503': error('Temporal or the database is unavailable; retry with the same caseId'),
      },
    },
    get: {
      summary: 'The licence’s lifecycle events, oldest first',
      security: secured,
      parameters: [identifier],
      responses: {
        '200': {
          description: '{items}',
          content: json({
            type: 'object',
            properties: { items: { type: 'array', items: ref('LicenceEvent') } },
          }),
        },
        '403': error('No right to see this licence'),
        '404': error('No such licence'),
      },
    },
  },
  '/api/licenses/{identifier}/status': {
    get: {
      summary: 'The licence’s status as it was at a moment (now when at is absent)',
      security: secured,
      parameters: [
        identifier,
        { name: 'at', in: 'query', required: false, schema: { type: 'string', format: 'date-time' } },
      ],
      responses: {
        '200': { description: 'The status then', content: json(ref('LicenceStatusAt')) },
        '400': error('at is not an ISO 8601 time'),
        '403': error('No right to see this licence'),
        '404': error('No such licence'),
      },
    },
  },
  '/api/exchange/reconciliation': {
    get: {
      summary:
        'LM-8: the data-exchange messages delivered on a day (Asia/Shanghai), each with the SHA-256 of the body sent, and a digest of the day (management unit)',
      security: secured,
      parameters: [{ name: 'date', in: 'query', required: true, schema: { type: 'string', format: 'date' } }],
      responses: {
        '200': {
          description: '{date, count, digest, pending, items}',
          content: json({
            type: 'object',
            properties: {
              date: { type: 'string' },
              count: { type: 'integer' },
              digest: { type: 'string' },
              pending: { type: 'integer' },
              items: { type: 'array', items: { type: 'object' } },
            },
          }),
        },
        '400': error('date is not a date'),
        '401': error('Not authenticated'),
        '403': error('Not a supervisor or platform admin of a management unit'),
      },
    },
  },
  '/api/exchange/resend': {
    post: {
      summary:
        'LM-8: deliver the messages created in [from, to) again, with their original idempotency keys (management unit)',
      security: secured,
      requestBody: { required: true, content: json(ref('ExchangeResendBody')) },
      responses: {
        '202': {
          description: '{workflowId, count}',
          content: json({
            type: 'object',
            properties: { workflowId: { type: 'string' }, count: { type: 'integer' } },
          }),
        },
        '400': error('from/to invalid or to not after from'),
        '401': error('Not authenticated'),
        '403': error('Not a supervisor or platform admin of a management unit'),
        '503': error('Temporal unavailable'),
      },
    },
  },
};

/**
 * Issue 13 (LM-23): the OpenAPI description of disputes, spread into api/openapi.ts; request bodies from the
 * validating zod schemas.
 */
import { DISPUTE_STATUSES, OUTCOME_KINDS } from '../domain/dispute';
import {
  DisputeAnswer,
  DisputeRequest,
  MarkRequest,
  MaterialRequest,
  WithdrawRequest,
} from '../domain/dispute-schema';
import { DesignatedStaffBody } from './services/designated-staff';
import { error, idParam, json, list, ref, schema, secured } from './openapi-parts';

const deadline = {
  type: 'object',
  properties: { dueAt: { type: 'string', format: 'date-time' }, provisional: { type: 'boolean' } },
};

export const DISPUTE_SCHEMAS = {
  DesignatedStaffBody: schema(DesignatedStaffBody),
  DisputeRequest: schema(DisputeRequest),
  DisputeAnswer: schema(DisputeAnswer),
  DisputeMark: schema(MarkRequest),
  DisputeMaterialRequest: schema(MaterialRequest),
  DisputeWithdraw: schema(WithdrawRequest),
  DisputeReceipt: {
    type: 'object',
    properties: {
      id: { type: 'string' },
      licenceIdentifier: { type: 'string' },
      status: { type: 'string' },
      receivedAt: { type: 'string', format: 'date-time' },
      markerDeadline: deadline,
      outcomeDeadline: deadline,
      url: { type: 'string' },
    },
  },
  Dispute: {
    type: 'object',
    properties: {
      id: { type: 'string' },
      licenceIdentifier: { type: 'string' },
      status: { type: 'string', enum: [...DISPUTE_STATUSES] },
      items: { type: 'array', items: { type: 'string' } },
      markerDeadline: deadline,
      outcomeDeadline: deadline,
      markedBy: { type: ['string', 'null'] },
      outcome: { type: ['string', 'null'], enum: [...OUTCOME_KINDS, null] },
      newIdentifier: { type: ['string', 'null'] },
      events: { type: 'array', items: { type: 'object' } },
      breaches: { type: 'array', items: { type: 'object' } },
    },
  },
};

const decision = (summary: string, body: string, who: string) => ({
  post: {
    summary,
    security: secured,
    parameters: [idParam('id')],
    requestBody: { required: true, content: json(ref(body)) },
    responses: {
      '200': { description: 'The dispute after the decision', content: json(ref('Dispute')) },
      '400': error('Invalid body naming the field (e.g. newIdentifier not a newer version of the licence)'),
      '401': error('Not authenticated'),
      '403': error(who),
      '404': error('No such dispute'),
      '409': error('Not allowed in the dispute’s status (e.g. marked twice, already resolved)'),
    },
  },
});

export const DISPUTE_PATHS = {
  '/api/licenses/{identifier}/disputes': {
    post: {
      summary:
        'LM-23: challenge a licence’s data (holder, a using unit’s verifier, or anyone with a contact; throttled per address); the receipt names both working-day deadlines',
      parameters: [idParam('identifier')],
      requestBody: { required: true, content: json(ref('DisputeRequest')) },
      responses: {
        '201': { description: 'Received', content: json(ref('DisputeReceipt')) },
        '400': error('Invalid input naming the field: no item, an item the licence type lacks, no contact'),
        '403': error('The issuing unit or its management unit (they correct, not challenge)'),
        '404': error('No such licence'),
        '429': error('Too many disputes from this address'),
        '503': error('Temporal unavailable; nothing stored'),
      },
    },
  },
  '/api/disputes': {
    get: {
      summary: 'The caller’s unit’s disputes, newest first',
      security: secured,
      responses: {
        '200': { description: '{items}', content: list(ref('Dispute')) },
        '401': error('Not authenticated'),
      },
    },
  },
  '/api/disputes/{id}': {
    get: {
      summary:
        'A dispute with its timeline and breaches (challenger, issuing unit, overseeing management unit)',
      security: secured,
      parameters: [idParam('id')],
      responses: {
        '200': { description: 'The dispute', content: json(ref('Dispute')) },
        '401': error('Not authenticated'),
        '403': error('No right to see it'),
        '404': error('No such dispute'),
      },
    },
  },
  '/api/disputes/{id}/mark': decision(
    'Place the dispute marker (有异议·核查中)',
    'DisputeMark',
    'Not the issuing unit’s dispute_handler',
  ),
  '/api/disputes/{id}/answer': decision(
    'Tell the outcome: corrected or partly corrected (naming the new version) or confirmed (with reasons)',
    'DisputeAnswer',
    'Not the issuing unit’s dispute_handler',
  ),
  '/api/disputes/{id}/request-material': decision(
    'Ask the challenger for more material (pauses neither deadline)',
    'DisputeMaterialRequest',
    'Not the issuing unit’s dispute_handler',
  ),
  '/api/disputes/{id}/withdraw': decision('Withdraw the challenge', 'DisputeWithdraw', 'Not the challenger'),
  '/api/supervision/disputes': {
    get: {
      summary:
        'Open disputes in the management unit’s jurisdiction, least time left first, with their breaches',
      security: secured,
      responses: {
        '200': { description: '{items}', content: list({ type: 'object' }) },
        '401': error('Not authenticated'),
        '403': error('Not a supervisor or platform admin of a management unit'),
      },
    },
  },
  '/api/organisations/{id}/designated-staff': {
    get: {
      summary: 'LM-24: the unit’s responsible person and deputy, with the history of assignments',
      security: secured,
      parameters: [idParam('id')],
      responses: {
        '200': { description: '{responsible, deputy, history}', content: json({ type: 'object' }) },
        '401': error('Not authenticated'),
        '403': error('Neither the unit nor a management unit over it'),
        '404': error('No such organisation'),
      },
    },
    put: {
      summary:
        'LM-24: name the unit’s responsible person and deputy (its own staff); the earlier ones go to history',
      security: secured,
      parameters: [idParam('id')],
      requestBody: { required: true, content: json(ref('DesignatedStaffBody')) },
      responses: {
        '200': { description: '{responsible, deputy, history}', content: json({ type: 'object' }) },
        '400': error('A person not of the unit, or the deputy the responsible person'),
        '401': error('Not authenticated'),
        '403': error('Not the unit’s leader nor an administrator of a management unit over it'),
        '404': error('No such organisation'),
      },
    },
  },
  '/api/supervision/designated-staff-missing': {
    get: {
      summary: 'LM-24: issuing and using units in the jurisdiction with no responsible person named',
      security: secured,
      responses: {
        '200': { description: '{items}', content: list({ type: 'object' }) },
        '401': error('Not authenticated'),
        '403': error('Not a supervisor or platform admin of a management unit'),
      },
    },
  },
};

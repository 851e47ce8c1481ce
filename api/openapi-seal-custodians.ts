/**
 * The OpenAPI description of a seal's custodians (issue 15 Build 5, SM-14) and of the unit leader's decision on a
 * leaving person's standing licence-signing authorisation (Build 3, SM-12), spread into api/openapi.ts.
 */
import { SealCustodianChangeBody } from '../domain/seal-custodian';
import { SealUseHandoverDecisionBody } from '../domain/seal-use-schema';
import { error, idParam, json, ref, schema, secured } from './openapi-parts';

const idempotencyKey = { name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string' } };
const PERSON = {
  type: ['object', 'null'],
  properties: { username: { type: 'string' }, displayName: { type: 'string' } },
};

export const SEAL_CUSTODIAN_SCHEMAS = {
  SealUseHandoverDecisionBody: schema(SealUseHandoverDecisionBody, 'input'),
  SealUseHandover: {
    type: 'object',
    properties: {
      id: { type: 'string' },
      authorisationId: { type: 'string' },
      sealId: { type: 'string' },
      organisationId: { type: 'string' },
      status: { type: 'string', enum: ['pending', 'kept', 'revoked'] },
      granteeId: { type: 'string' },
      authorisationStatus: { type: 'string' },
    },
  },
  SealCustodianChangeBody: schema(SealCustodianChangeBody, 'input'),
  SealCustodianChange: {
    type: 'object',
    properties: {
      id: { type: 'string' },
      sealId: { type: 'string' },
      sealName: { type: 'string' },
      custodian: PERSON,
      deputy: PERSON,
      previousCustodian: PERSON,
      previousDeputy: PERSON,
      reason: { type: 'string' },
      applicant: PERSON,
      status: { type: 'string', enum: ['pending', 'approved', 'rejected', 'withdrawn'] },
      statusLabel: { type: 'string' },
      outcomeReason: { type: ['string', 'null'] },
      approval: {
        type: 'object',
        properties: { workflowId: { type: 'string' }, url: { type: 'string' } },
      },
      createdAt: { type: 'string', format: 'date-time' },
      decidedAt: { type: ['string', 'null'], format: 'date-time' },
    },
  },
  SealCustodians: {
    type: 'object',
    properties: {
      sealId: { type: 'string' },
      custodian: PERSON,
      deputy: PERSON,
      history: { type: 'array', items: ref('SealCustodianChange') },
    },
  },
};

export const SEAL_CUSTODIAN_PATHS = {
  '/api/seals/{id}/custodians': {
    get: {
      summary: "A seal's custodian and deputy now, with every change request, newest first (SM-14)",
      security: secured,
      parameters: [idParam('id')],
      responses: {
        '200': { description: 'Custodians and history', content: json(ref('SealCustodians')) },
        '401': error('Not authenticated'),
        '403': error('A seal of a unit outside the caller’s jurisdiction'),
        '404': error('No such seal'),
      },
    },
  },
  '/api/seals/{id}/custodian-changes': {
    post: {
      summary:
        "Ask to change a seal's custodian and deputy (people of the seal's unit, by username), decided by the unit leader through the approval engine; approved, the seal names them (SM-14). The seal's unit, seal_applicant or unit_leader. Optional Idempotency-Key header",
      security: secured,
      parameters: [idParam('id'), idempotencyKey],
      requestBody: { required: true, content: json(ref('SealCustodianChangeBody')) },
      responses: {
        '201': { description: 'Submitted, pending', content: json(ref('SealCustodianChange')) },
        '200': {
          description: 'Same Idempotency-Key: the earlier request',
          content: json(ref('SealCustodianChange')),
        },
        '400': error('Invalid input naming the field (a person outside the seal’s unit, or inactive)'),
        '401': error('Not authenticated'),
        '403': error('A seal of another organisation, or the caller lacks the role'),
        '404': error('No such seal'),
        '409': error('The seal is cancelled, or a change is already pending'),
        '422': error('No approval flow is configured'),
        '503': error('The process service is unavailable; nothing was stored'),
      },
    },
  },
  '/api/seal-custodian-changes/{id}': {
    get: {
      summary: 'One custodian change request with its status and approval',
      security: secured,
      parameters: [idParam('id')],
      responses: {
        '200': { description: 'The request', content: json(ref('SealCustodianChange')) },
        '401': error('Not authenticated'),
        '403': error('A unit outside the caller’s jurisdiction'),
        '404': error('No such request'),
      },
    },
  },
  '/api/seal-use-handovers/{id}/decision': {
    post: {
      summary:
        "The unit leader's decision on a standing licence-signing authorisation whose holder left or moved (SM-12), due within 3 working days: keep it (for the leader, or a named active seal_applicant or unit_leader of the seal's unit, by username) or revoke it with a `comment` (the reason, required to revoke); audited. The seal's unit_leader only. The same decision as the page /seal-use-handovers/{id}",
      security: secured,
      parameters: [idParam('id')],
      requestBody: { required: true, content: json(ref('SealUseHandoverDecisionBody')) },
      responses: {
        '200': { description: 'Decided', content: json(ref('SealUseHandover')) },
        '400': error(
          'Invalid input naming the field (a grantee not eligible: outside the unit, inactive, without a role that may hold a seal-use authorisation, or the leaving person; a revocation without a reason)',
        ),
        '401': error('Not authenticated'),
        '403': error('Not the leader of the seal’s unit'),
        '404': error('No such decision'),
        '409': error('Already decided'),
      },
    },
  },
};

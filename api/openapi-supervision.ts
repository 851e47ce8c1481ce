/**
 * Issue 14 (LM-9, LM-28, LM-30): the OpenAPI description of announced cases, supervision findings and
 * rectification orders, spread into api/openapi.ts; request bodies from the validating zod schemas.
 */
import { RECTIFICATION_STATUSES } from '../domain/rectification';
import {
  RectificationExtendBody,
  RectificationOrderBody,
  RectificationReportBody,
  RectificationReviewBody,
} from '../domain/rectification-schema';
import {
  ANNOUNCED_CASE_STATUSES,
  FINDING_RULES,
  FINDING_STATES,
  VIOLATION_KINDS,
} from '../domain/supervision';
import { AnnounceCaseBody, DismissFindingBody, SimulatedRequestBody } from '../domain/supervision-schema';
import { RandomCheckBody, SampleBody } from '../domain/random-sample';
import { PaperComplaintBody } from '../domain/paper-complaint';
import { error, idParam, json, list, query, ref, schema, secured } from './openapi-parts';

const deadline = {
  type: 'object',
  properties: { dueAt: { type: 'string', format: 'date-time' }, provisional: { type: 'boolean' } },
};
const time = { type: 'string', format: 'date-time' };
const nullableTime = { type: ['string', 'null'], format: 'date-time' };

export const SUPERVISION_SCHEMAS = {
  AnnounceCaseBody: schema(AnnounceCaseBody),
  AnnouncedCase: {
    type: 'object',
    properties: {
      id: { type: 'string' },
      caseId: { type: 'string' },
      licenceType: { type: 'string' },
      closedAt: time,
      deadline,
      status: { type: 'string', enum: [...ANNOUNCED_CASE_STATUSES] },
      arrivedAt: nullableTime,
      flaggedAt: nullableTime,
    },
  },
  SupervisionFinding: {
    type: 'object',
    properties: {
      id: { type: 'string' },
      organisationId: { type: 'string' },
      kind: { type: 'string', enum: [...VIOLATION_KINDS] },
      rule: { type: 'string' },
      evidence: { type: 'object' },
      foundAt: time,
      state: { type: 'string', enum: [...FINDING_STATES] },
      orderId: { type: ['string', 'null'] },
    },
  },
  SimulatedRequestBody: schema(SimulatedRequestBody),
  PaperComplaintBody: {
    ...schema(PaperComplaintBody),
    example: {
      organisationId: 'zz-amr',
      serviceItem: '000141001000',
      description: '在窗口办理企业用电报装时被要求提供营业执照纸质复印件',
      contact: { name: '李四', phone: '13800000000' },
    },
  },
  PaperComplaintReceipt: {
    type: 'object',
    properties: {
      id: { type: 'string' },
      organisationId: { type: 'string' },
      organisationName: { type: 'string' },
      serviceItem: {
        type: ['object', 'null'],
        properties: { code: { type: 'string' }, name: { type: 'string' } },
      },
      licenceIdentifier: { type: ['string', 'null'] },
      receivedAt: time,
    },
  },
  DismissFindingBody: schema(DismissFindingBody),
  SampleBody: schema(SampleBody),
  RandomSample: {
    type: 'object',
    properties: {
      id: { type: 'string' },
      organisationId: { type: 'string' },
      seed: { type: 'integer' },
      cutoff: time,
      size: { type: 'integer' },
      populationSize: { type: 'integer' },
      licences: { type: 'array', items: { type: 'string' } },
      drawnBy: { type: 'string' },
      drawnAt: time,
    },
  },
  RandomCheckBody: schema(RandomCheckBody),
  RandomCheck: {
    type: 'object',
    properties: {
      id: { type: 'string' },
      sampleId: { type: 'string' },
      organisationId: { type: 'string' },
      licenceIdentifier: { type: 'string' },
      verifies: { type: 'boolean' },
      verifyIndication: { type: 'string' },
      dataComplete: { type: 'boolean' },
      faceReadable: { type: 'boolean' },
      pushed: { type: ['boolean', 'null'] },
      remark: { type: ['string', 'null'] },
      findings: { type: 'array', items: { type: 'string', enum: Object.keys(FINDING_RULES) } },
      checkedBy: { type: 'string' },
      checkedAt: time,
    },
  },
  SupervisionRunResult: {
    type: 'object',
    properties: {
      found: {
        type: 'object',
        properties: Object.fromEntries(Object.keys(FINDING_RULES).map((r) => [r, { type: 'integer' }])),
      },
      total: { type: 'integer' },
    },
  },
  RectificationOrderBody: schema(RectificationOrderBody),
  RectificationReportBody: schema(RectificationReportBody),
  RectificationReviewBody: schema(RectificationReviewBody),
  RectificationExtendBody: schema(RectificationExtendBody),
  RectificationOrder: {
    type: 'object',
    properties: {
      id: { type: 'string' },
      organisationId: { type: 'string' },
      requirements: { type: 'string' },
      deadline,
      status: { type: 'string', enum: [...RECTIFICATION_STATUSES] },
      extensionReason: { type: ['string', 'null'] },
      responsiblePersons: { type: 'array', items: { type: 'object' } },
      findings: { type: 'array', items: ref('SupervisionFinding') },
      events: { type: 'array', items: { type: 'object' } },
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
      '200': { description: 'The order after the decision', content: json(ref('RectificationOrder')) },
      '400': error('Invalid body naming the field'),
      '401': error('Not authenticated'),
      '403': error(who),
      '404': error('No such order'),
      '409': error(
        'Not allowed in the order’s status (e.g. a second extension, accepting a returned report)',
      ),
    },
  },
});

export const SUPERVISION_PATHS = {
  '/api/cases': {
    post: {
      summary:
        'LM-9: announce a closed case before or without issuing; flagged when no licence arrives by 24:00 of the next working day',
      security: secured,
      requestBody: { required: true, content: json(ref('AnnounceCaseBody')) },
      responses: {
        '200': { description: 'The same announcement again', content: json(ref('AnnouncedCase')) },
        '201': { description: 'Announced', content: json(ref('AnnouncedCase')) },
        '400': error('Invalid input naming the field (closedAt in the future, unknown type)'),
        '401': error('Not authenticated'),
        '403': error('Not a licence issuer or system of an issuing unit of the type'),
        '409': error('The case id was announced with other content'),
        '503': error('Temporal unavailable; nothing stored'),
      },
    },
  },
  '/api/cases/{caseId}': {
    get: {
      summary: 'The caller’s unit’s announced case',
      security: secured,
      parameters: [idParam('caseId')],
      responses: {
        '200': { description: 'The case', content: json(ref('AnnouncedCase')) },
        '401': error('Not authenticated'),
        '404': error('No such case of the caller’s unit'),
      },
    },
  },
  '/api/supervision/findings': {
    get: {
      summary:
        'LM-28: findings of the five violation kinds in the management unit’s jurisdiction, with evidence',
      security: secured,
      parameters: [
        query('organisationId', { type: 'string' }),
        query('kind', { type: 'string', enum: [...VIOLATION_KINDS] }),
        query('state', { type: 'string', enum: [...FINDING_STATES] }),
      ],
      responses: {
        '200': { description: '{items}', content: list(ref('SupervisionFinding')) },
        '400': error('Invalid query naming the parameter'),
        '401': error('Not authenticated'),
        '403': error('Not a management unit’s supervisor, or the unit is outside the jurisdiction'),
      },
    },
  },
  '/api/supervision/findings/{id}/dismiss': {
    post: {
      summary: 'LM-28: set a new finding aside with a reason (audited)',
      security: secured,
      parameters: [idParam('id')],
      requestBody: { required: true, content: json(ref('DismissFindingBody')) },
      responses: {
        '200': { description: 'Dismissed', content: json(ref('SupervisionFinding')) },
        '400': error('Invalid input naming the field'),
        '401': error('Not authenticated'),
        '403': error('Not a management unit’s supervisor'),
        '404': error('No such finding in the jurisdiction'),
        '409': error('The finding is ordered, rectified or dismissed already'),
      },
    },
  },
  '/api/supervision/runs': {
    post: {
      summary: 'LM-28: run supervision now over the jurisdiction’s units (the daily Schedule runs it too)',
      security: secured,
      responses: {
        '200': { description: 'New findings per rule', content: json(ref('SupervisionRunResult')) },
        '401': error('Not authenticated'),
        '403': error('Not a management unit’s supervisor'),
      },
    },
  },
  '/api/supervision/simulated-requests': {
    post: {
      summary:
        'LM-28: record a simulated service request (a demand for paper is a finding of kind 5 at the next run)',
      security: secured,
      requestBody: { required: true, content: json(ref('SimulatedRequestBody')) },
      responses: {
        '201': { description: 'Recorded', content: json({ type: 'object' }) },
        '400': error('Invalid input naming the field (a unit outside the jurisdiction)'),
        '401': error('Not authenticated'),
        '403': error('Not a management unit’s supervisor'),
      },
    },
  },
  '/api/paper-complaints': {
    post: {
      summary:
        'LM-28: complain that a unit demanded a paper licence although sharing could supply it (anyone, with a contact; throttled per address); a finding of kind 5 at the next run',
      requestBody: { required: true, content: json(ref('PaperComplaintBody')) },
      responses: {
        '201': { description: 'Received', content: json(ref('PaperComplaintReceipt')) },
        '400': error('Invalid input naming the field (no such unit, service item or licence; no contact)'),
        '429': error('Too many complaints from this address'),
      },
    },
  },
  '/api/supervision/samples': {
    post: {
      summary:
        'LM-28: draw a reproducible random sample of a unit’s licences; the seed and the population’s cut-off are recorded (give both to draw the same again)',
      security: secured,
      requestBody: { required: true, content: json(ref('SampleBody')) },
      responses: {
        '201': { description: 'The sample', content: json(ref('RandomSample')) },
        '400': error(
          'Invalid input naming the field (a unit outside the jurisdiction, a cut-off in the future)',
        ),
        '401': error('Not authenticated'),
        '403': error('Not a management unit’s supervisor'),
      },
    },
  },
  '/api/supervision/samples/{id}/checks': {
    post: {
      summary:
        'LM-28: record the checklist of one sampled licence (data complete, face readable, a remark); verifies and pushed are filled in by the platform; each failed item becomes a finding of the unit',
      security: secured,
      parameters: [idParam('id')],
      requestBody: { required: true, content: json(ref('RandomCheckBody')) },
      responses: {
        '201': { description: 'The check recorded', content: json(ref('RandomCheck')) },
        '400': error('Invalid input naming the field (a licence not in the sample)'),
        '401': error('Not authenticated'),
        '403': error('Not a supervisor over the sample’s unit'),
        '404': error('No such sample'),
        '409': error('The licence was already checked in this sample'),
      },
    },
  },
  '/api/rectification-orders': {
    post: {
      summary: 'LM-30: order a unit in the jurisdiction to rectify findings by a date or N working days',
      security: secured,
      requestBody: { required: true, content: json(ref('RectificationOrderBody')) },
      responses: {
        '201': { description: 'Ordered', content: json(ref('RectificationOrder')) },
        '400': error(
          'Invalid input naming the field (no finding, a finding of another unit or already ordered)',
        ),
        '401': error('Not authenticated'),
        '403': error('Not a management unit’s supervisor over the unit'),
        '404': error('No such unit'),
        '503': error('Temporal unavailable; nothing stored'),
      },
    },
    get: {
      summary: 'The caller’s unit’s orders, or a management unit’s orders over its jurisdiction',
      security: secured,
      responses: {
        '200': { description: '{items}', content: list(ref('RectificationOrder')) },
        '401': error('Not authenticated'),
      },
    },
  },
  '/api/rectification-orders/{id}': {
    get: {
      summary: 'An order with its findings and timeline (the unit ordered, the overseeing management unit)',
      security: secured,
      parameters: [idParam('id')],
      responses: {
        '200': { description: 'The order', content: json(ref('RectificationOrder')) },
        '401': error('Not authenticated'),
        '403': error('No right to see it'),
        '404': error('No such order'),
      },
    },
  },
  '/api/rectification-orders/{id}/submit': decision(
    'Submit a rectification report with attachments',
    'RectificationReportBody',
    'Not the ordered unit’s designated person or leader',
  ),
  '/api/rectification-orders/{id}/accept': decision(
    'Accept the report: the order closes, its findings are rectified',
    'RectificationReviewBody',
    'Not a supervisor over the unit',
  ),
  '/api/rectification-orders/{id}/return': decision(
    'Return the report (the deadline keeps running)',
    'RectificationReviewBody',
    'Not a supervisor over the unit',
  ),
  '/api/rectification-orders/{id}/extend': decision(
    'Extend the deadline once, with a reason (a second extension is 409)',
    'RectificationExtendBody',
    'Not a supervisor over the unit',
  ),
};

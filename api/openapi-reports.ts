/**
 * Issue 14 (LM-29): the OpenAPI description of the assessment report and the units' annual targets, spread into
 * api/openapi.ts; the target body from its validating zod schema.
 */
import { ASSESSMENT_METRICS, AssessmentTargetsBody } from '../domain/assessment';
import { error, json, query, ref, schema, secured } from './openapi-parts';

const figure = {
  type: 'object',
  properties: {
    numerator: { type: 'integer' },
    denominator: { type: 'integer' },
    rate: { type: ['number', 'null'], description: 'Percent with one decimal; null for 0/0' },
    target: { type: ['number', 'null'] },
    met: { type: ['boolean', 'null'] },
  },
};
const metrics = {
  type: 'object',
  properties: Object.fromEntries(ASSESSMENT_METRICS.map((m) => [m, figure])),
};
const reportQuery = [
  query(
    'period',
    { type: 'string', pattern: '^\\d{4}(-(0[1-9]|1[0-2]))?$' },
    'A year (2026) or a month (2026-11)',
  ),
  query('unit', { type: 'string' }, 'One unit of the jurisdiction; all of them when left out'),
];
const refusals = {
  '400': error('Invalid query naming the parameter'),
  '401': error('Not authenticated'),
  '403': error('Not a management unit’s supervisor, or the unit is outside the jurisdiction'),
};
const file = (type: string, summary: string) => ({
  get: {
    summary,
    security: secured,
    parameters: [...reportQuery.slice(0, 1).map((p) => ({ ...p, required: true })), ...reportQuery.slice(1)],
    responses: {
      '200': {
        description: 'The file',
        content: { [type]: { schema: { type: 'string', format: 'binary' } } },
      },
      ...refusals,
    },
  },
});

export const REPORT_SCHEMAS = {
  AssessmentTargetsBody: schema(AssessmentTargetsBody),
  AssessmentReport: {
    type: 'object',
    properties: {
      period: { type: 'string' },
      units: {
        type: 'array',
        items: {
          type: 'object',
          properties: { organisationId: { type: 'string' }, name: { type: 'string' }, metrics },
        },
      },
      total: metrics,
      trend: {
        type: 'array',
        items: { type: 'object', properties: { month: { type: 'string' }, metrics } },
      },
    },
  },
};

export const REPORT_PATHS = {
  '/api/reports/assessment': {
    get: {
      summary:
        'LM-29: the assessment of the jurisdiction’s units for a year or a month: collection, in-step generation, usage, dispute and rectification timeliness against annual targets',
      security: secured,
      parameters: [{ ...reportQuery[0], required: true }, reportQuery[1]],
      responses: {
        '200': { description: 'The figures', content: json(ref('AssessmentReport')) },
        ...refusals,
      },
    },
  },
  '/api/reports/assessment.xlsx': file(
    'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    'LM-29: the assessment as an Excel workbook',
  ),
  '/api/reports/assessment.pdf': file('application/pdf', 'LM-29: the assessment as a PDF with its charts'),
  '/api/reports/assessment/targets': {
    put: {
      summary: 'LM-29: set (or replace) a unit’s annual targets, in percent per metric',
      security: secured,
      requestBody: { required: true, content: json(ref('AssessmentTargetsBody')) },
      responses: {
        '200': { description: 'Set', content: json({ type: 'object' }) },
        '400': error('Invalid input naming the field (a unit outside the jurisdiction)'),
        '401': error('Not authenticated'),
        '403': error('Not a management unit’s supervisor'),
      },
    },
  },
};

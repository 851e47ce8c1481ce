/**
 * The OpenAPI description of the public service items (issue 16 Build 7, WP-(一)1, LM-15); spread into
 * api/openapi.ts.
 */
import { error, idParam, json, list } from './openapi-parts';

const licence = {
  type: 'object',
  properties: {
    licenceName: { type: 'string' },
    typeCode: { type: 'string', nullable: true },
    submission: { type: 'string', enum: ['exempt', 'electronic', 'paper'] },
    submissionLabel: { type: 'string', enum: ['免提交', '可用电子证照', '需纸质'] },
    explanation: { type: 'string' },
    note: { type: 'string' },
  },
};
const summary = {
  code: { type: 'string' },
  name: { type: 'string' },
  organisationId: { type: 'string', nullable: true },
  organisationName: { type: 'string', nullable: true },
  summary: { type: 'string' },
};
const tooMany = error('Too many requests from this address');

export const SERVICE_ITEM_PATHS = {
  '/api/service-items': {
    get: {
      summary:
        'The service items, each with the number of licences it needs (public, rate limited per address)',
      responses: {
        '200': {
          description: '{items}',
          content: list({ type: 'object', properties: { ...summary, licenceCount: { type: 'integer' } } }),
        },
        '429': tooMany,
      },
    },
  },
  '/api/service-items/{code}': {
    get: {
      summary:
        'A service item: the licences it needs, each with whether paper is still required (exempt, electronic, paper), and the licence types it issues (public, rate limited per address)',
      parameters: [idParam('code')],
      responses: {
        '200': {
          description: 'The service item',
          content: json({
            type: 'object',
            properties: {
              ...summary,
              licences: { type: 'array', items: licence },
              issues: { type: 'array', items: { type: 'object' } },
            },
          }),
        },
        '404': error('No such service item'),
        '429': tooMany,
      },
    },
  },
};

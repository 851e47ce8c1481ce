/**
 * The OpenAPI description of flow definitions (issue 9: drafts, dry run, publish, restore), spread into
 * api/openapi.ts; the body comes from the validating zod schema in domain/flow-definition.ts.
 */
import { FLOW_STATUSES, JURISDICTION_LEVELS, PROCESS_KINDS } from '../domain/flow-definition';
import { FlowDefinitionBody } from '../domain/flow-definition-schema';
import { schema, json, ref, error, idParam, query, secured } from './openapi-parts';

const UNAUTHENTICATED = error('Not authenticated');
const NOT_FOUND = error('No such flow definition version');
const OUT_OF_SCOPE = error(
  'Not a platform administrator of a management unit, or a scope outside its own: an organisation outside its ' +
    'jurisdiction; a level default or the platform default when not the city’s top management unit; a level ' +
    'above its own. Audited as denied',
);

export const FLOW_DEFINITION_SCHEMAS = {
  FlowDefinitionBody: schema(FlowDefinitionBody),
  FlowDefinition: {
    type: 'object',
    description:
      'One stored version of a flow. draft: saved, affects nothing; active: new processes of its scope follow it; ' +
      'superseded: replaced by a later published or restored version. Running processes keep their snapshot.',
    properties: {
      id: { type: 'string' },
      kind: { type: 'string', enum: [...PROCESS_KINDS] },
      name: { type: 'string' },
      organisationId: { type: ['string', 'null'] },
      jurisdictionLevel: { type: ['string', 'null'], enum: [...JURISDICTION_LEVELS, null] },
      version: { type: 'integer' },
      steps: { type: 'array', items: { type: 'object' } },
      status: { type: 'string', enum: [...FLOW_STATUSES] },
      createdBy: { type: 'string' },
      createdAt: { type: 'string', format: 'date-time' },
      publishedAt: { type: ['string', 'null'], format: 'date-time' },
      publishedBy: { type: ['string', 'null'] },
      restoredFromId: {
        type: ['string', 'null'],
        description: 'For a restored version: the version it restores',
      },
    },
  },
  FlowDryRun: {
    type: 'object',
    description:
      'Every step resolved for each organisation that would follow the version (at most `limit`, a deterministic ' +
      'sample spread over the jurisdictions when more would). ok false: publishing or restoring is refused with ' +
      'these problems.',
    properties: {
      definitionId: { type: 'string' },
      kind: { type: 'string', enum: [...PROCESS_KINDS] },
      version: { type: 'integer' },
      scope: { type: 'string', enum: ['organisation', 'level', 'platform'] },
      organisationsInScope: { type: 'integer' },
      sampled: { type: 'boolean' },
      limit: { type: 'integer' },
      ok: { type: 'boolean' },
      problems: {
        type: 'array',
        items: {
          type: 'object',
          properties: { field: { type: 'string' }, rule: { type: 'string' }, message: { type: 'string' } },
        },
      },
      organisations: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            organisationId: { type: 'string' },
            organisationName: { type: 'string' },
            jurisdictionName: { type: 'string' },
            problem: { type: ['string', 'null'] },
            steps: {
              type: 'array',
              items: {
                type: 'object',
                properties: {
                  index: { type: 'integer' },
                  key: { type: 'string' },
                  name: { type: 'string' },
                  approvers: { type: 'array', items: { type: 'string' } },
                  initiatorChooses: { type: 'boolean' },
                  skipped: { type: 'boolean' },
                  problem: { type: ['string', 'null'] },
                  warning: { type: ['string', 'null'] },
                },
              },
            },
          },
        },
      },
    },
  },
};

export const FLOW_DEFINITION_PATHS = {
  '/api/flow-definitions': {
    get: {
      summary: 'Flow definitions: active versions; status= one status; all=true every version',
      security: secured,
      parameters: [
        query('kind', { type: 'string', enum: [...PROCESS_KINDS] }),
        query('all', { type: 'string', enum: ['true', 'false'] }),
        query('status', { type: 'string', enum: [...FLOW_STATUSES] }),
      ],
      responses: {
        '200': {
          description: 'Definitions',
          content: json({
            type: 'object',
            properties: { items: { type: 'array', items: ref('FlowDefinition') } },
          }),
        },
        '400': error('Bad filter (details name the parameter)'),
        '401': UNAUTHENTICATED,
      },
    },
    post: {
      summary:
        'Save a new version of a flow as a draft (no process is affected until it is published). seal_use steps ' +
        'may not auto_approve on breach (SM-12)',
      security: secured,
      requestBody: { required: true, content: json(ref('FlowDefinitionBody')) },
      responses: {
        '201': { description: 'The saved draft', content: json(ref('FlowDefinition')) },
        '400': error(
          'Malformed definition, auto_approve on a seal_use step, or one naming unknown users or organisations ' +
            '(details name each field); nothing saved',
        ),
        '401': UNAUTHENTICATED,
        '403': OUT_OF_SCOPE,
      },
    },
  },
  '/api/flow-definitions/{id}': {
    get: {
      summary: 'One flow definition version',
      security: secured,
      parameters: [idParam('id')],
      responses: {
        '200': { description: 'The definition', content: json(ref('FlowDefinition')) },
        '401': UNAUTHENTICATED,
        '404': NOT_FOUND,
      },
    },
  },
  '/api/flow-definitions/{id}/preview': {
    get: {
      summary: 'Dry run of a version: who each step would go to, per organisation that would follow it',
      security: secured,
      parameters: [idParam('id')],
      responses: {
        '200': { description: 'The dry run', content: json(ref('FlowDryRun')) },
        '401': UNAUTHENTICATED,
        '403': OUT_OF_SCOPE,
        '404': NOT_FOUND,
      },
    },
  },
  '/api/flow-definitions/{id}/publish': {
    post: {
      summary:
        'Publish a draft after its dry run: it becomes the active version of its scope, the previous one superseded',
      security: secured,
      parameters: [idParam('id')],
      responses: {
        '200': { description: 'The published version', content: json(ref('FlowDefinition')) },
        '400': error(
          'The dry run found a step without approvers for an organisation (field steps.N.approvers, the message ' +
            'names the step and the organisation); nothing changed',
        ),
        '401': UNAUTHENTICATED,
        '403': OUT_OF_SCOPE,
        '404': NOT_FOUND,
        '409': error('Not a draft (already active or superseded), or a later version of the scope is active'),
      },
    },
  },
  '/api/flow-definitions/{id}/restore': {
    post: {
      summary:
        'Restore a superseded version: a new active version of its scope with its steps (after the dry run), the ' +
        'active one superseded',
      security: secured,
      parameters: [idParam('id')],
      responses: {
        '201': { description: 'The new active version', content: json(ref('FlowDefinition')) },
        '400': error(
          'The old version breaks a rule of today, names what no longer exists, or its dry run found a step ' +
            'without approvers; nothing changed',
        ),
        '401': UNAUTHENTICATED,
        '403': OUT_OF_SCOPE,
        '404': NOT_FOUND,
        '409': error('Not a superseded version (a draft or the active one)'),
      },
    },
  },
};

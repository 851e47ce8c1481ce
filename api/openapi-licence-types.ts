/**
 * The OpenAPI description of the licence catalogue (LM-6), spread into api/openapi.ts; the definition body comes
 * from the validating zod schema in domain/licence-type.ts.
 */
import { LicenceTypeDefinition } from '../domain/licence-type-schema';
import { PreviewBody } from './services/licence-types';
import { schema, json, ref, error, secured } from './openapi-parts';

const codeParam = {
  name: 'code',
  in: 'path',
  required: true,
  description: '21-character type code: the defining body’s USCC plus a 3-digit sequence',
  schema: { type: 'string' },
};
const dataItemSchema = {
  type: 'object',
  description: 'One data item of the type’s schema; absent attributes are null',
  properties: {
    key: { type: 'string' },
    label: { type: 'string' },
    type: { type: 'string', enum: ['string', 'text', 'date', 'integer', 'number', 'enum', 'boolean'] },
    required: { type: 'boolean' },
    pattern: { type: ['string', 'null'], description: 'Regular expression the whole value must match' },
    enumValues: { type: ['array', 'null'], items: { type: 'string' } },
    maxLength: { type: ['integer', 'null'] },
    sensitive: { type: 'boolean', description: 'Masked on public pages, copies and for using units' },
    mask: {
      type: ['object', 'null'],
      properties: { keepStart: { type: 'integer' }, keepEnd: { type: 'integer' } },
    },
    description: { type: ['string', 'null'] },
  },
};

const summaryProperties = {
  id: { type: 'string' },
  code: { type: 'string' },
  version: { type: 'integer' },
  status: { type: 'string', enum: ['draft', 'published', 'superseded'] },
  statusLabel: { type: 'string' },
  name: { type: 'string' },
  definingAuthority: {
    type: 'object',
    properties: {
      name: { type: 'string' },
      code: { type: 'string' },
      level: { type: 'string', enum: ['national', 'province', 'city', 'county'] },
      levelLabel: { type: 'string' },
    },
  },
  holderCategory: { type: 'string', enum: ['natural_person', 'legal_person', 'other_organisation'] },
  holderCategoryLabel: { type: 'string' },
  sealKind: { type: 'string' },
  sealKindLabel: { type: 'string' },
  validity: {
    type: 'object',
    description: '{kind: fixed_term, years, months} | {kind: until_date} | {kind: permanent}',
  },
  validityLabel: { type: 'string' },
  serviceItems: {
    type: 'array',
    items: { type: 'object', properties: { code: { type: 'string' }, name: { type: 'string' } } },
  },
  reminderDaysBeforeExpiry: { type: 'array', items: { type: 'integer' } },
  issuingUnits: {
    type: 'array',
    items: { type: 'object', properties: { id: { type: 'string' }, name: { type: 'string' } } },
  },
  dataItems: { type: 'array', items: ref('LicenceDataItemSchema') },
  publishedAt: { type: ['string', 'null'], format: 'date-time' },
};

export const LICENCE_TYPE_SCHEMAS = {
  LicenceTypeDefinition: schema(LicenceTypeDefinition),
  LicenceTypePreviewBody: schema(PreviewBody),
  LicenceDataItemSchema: dataItemSchema,
  LicenceTypeSummary: { type: 'object', properties: summaryProperties },
  LicenceTypeVersion: {
    type: 'object',
    properties: {
      ...summaryProperties,
      definition: ref('LicenceTypeDefinition'),
      face: { type: 'object', description: 'template (handlebars), background, sample' },
      createdBy: {
        type: ['object', 'null'],
        properties: { id: { type: 'string' }, displayName: { type: 'string' } },
      },
      createdAt: { type: 'string', format: 'date-time' },
      supersededAt: { type: ['string', 'null'], format: 'date-time' },
    },
  },
};

const versionResponse = (description: string) => ({
  description,
  content: json(ref('LicenceTypeVersion')),
});

export const LICENCE_TYPE_PATHS = {
  '/api/license-types': {
    get: {
      summary: 'Published licence types with their data-item schemas (anyone signed in)',
      security: secured,
      parameters: [
        {
          name: 'issuableByMe',
          in: 'query',
          required: false,
          description: 'true: only types the caller’s organisation may issue (LM-7)',
          schema: { type: 'string', enum: ['true', 'false'] },
        },
      ],
      responses: {
        '200': {
          description: 'List',
          content: json({
            type: 'object',
            properties: { items: { type: 'array', items: ref('LicenceTypeSummary') } },
          }),
        },
        '400': error('Invalid query'),
        '401': error('Not authenticated'),
      },
    },
    post: {
      summary:
        'Create a draft (platform_admin of a management unit): a new code becomes version 1, an existing code its next version',
      security: secured,
      requestBody: { required: true, content: json(ref('LicenceTypeDefinition')) },
      responses: {
        '201': versionResponse('Draft created'),
        '400': error(
          'Invalid definition, naming each field (schema, face.template syntax, face.sample.<key>, issuingUnitIds.<i>); nothing stored',
        ),
        '401': error('Not authenticated'),
        '403': error('Not a platform administrator of a management unit (audited)'),
        '409': error('A draft of this code exists already'),
      },
    },
  },
  '/api/license-types/preview': {
    post: {
      summary: 'Render the face of a definition with sample data, marked 样例 (platform_admin)',
      security: secured,
      requestBody: { required: true, content: json(ref('LicenceTypePreviewBody')) },
      responses: {
        '200': {
          description: 'The face as an HTML fragment, and where the sample does not fit the data items',
          content: json({
            type: 'object',
            properties: {
              html: { type: 'string' },
              sampleProblems: { type: 'array', items: { type: 'object' } },
            },
          }),
        },
        '400': error('Invalid definition or face template syntax error'),
        '401': error('Not authenticated'),
        '403': error('Not a platform administrator of a management unit'),
      },
    },
  },
  '/api/license-types/{code}': {
    get: {
      summary:
        'A type: its published version, its draft (administrators only) and every version, oldest first',
      security: secured,
      parameters: [codeParam],
      responses: {
        '200': {
          description: 'Type',
          content: json({
            type: 'object',
            properties: {
              code: { type: 'string' },
              published: { oneOf: [{ type: 'null' }, ref('LicenceTypeVersion')] },
              draft: { oneOf: [{ type: 'null' }, ref('LicenceTypeVersion')] },
              versions: { type: 'array', items: { type: 'object' } },
            },
          }),
        },
        '401': error('Not authenticated'),
        '404': error('No such type'),
      },
    },
  },
  '/api/license-types/{code}/draft': {
    put: {
      summary: 'Replace the draft’s definition (platform_admin); the code cannot change',
      security: secured,
      parameters: [codeParam],
      requestBody: { required: true, content: json(ref('LicenceTypeDefinition')) },
      responses: {
        '200': versionResponse('Draft saved'),
        '400': error('Invalid definition, naming each field; or a different code; nothing stored'),
        '401': error('Not authenticated'),
        '403': error('Not a platform administrator of a management unit'),
        '404': error('No draft of this code'),
      },
    },
    delete: {
      summary: 'Discard the draft (platform_admin)',
      security: secured,
      parameters: [codeParam],
      responses: {
        '204': { description: 'Discarded' },
        '401': error('Not authenticated'),
        '403': error('Not a platform administrator of a management unit'),
        '404': error('No draft of this code'),
      },
    },
  },
  '/api/license-types/{code}/publish': {
    post: {
      summary:
        'Publish the draft (platform_admin): the previous published version becomes superseded in the same transaction; licences keep the version they were issued under',
      security: secured,
      parameters: [codeParam],
      responses: {
        '200': versionResponse('Published'),
        '401': error('Not authenticated'),
        '403': error('Not a platform administrator of a management unit'),
        '404': error('No draft of this code'),
      },
    },
  },
};

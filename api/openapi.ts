/** The OpenAPI 3.1 description of every endpoint; request bodies come from the same zod schemas that validate. */
import { APPROVAL_PATHS, APPROVAL_SCHEMAS } from './openapi-approvals';
import { FLOW_DEFINITION_PATHS, FLOW_DEFINITION_SCHEMAS } from './openapi-flow-definitions';
import { LICENCE_TYPE_PATHS, LICENCE_TYPE_SCHEMAS } from './openapi-licence-types';
import { LICENCE_PATHS, LICENCE_SCHEMAS } from './openapi-licences';
import { HOLDER_PORTAL_PATHS } from './openapi-holder-portal';
import { SERVICE_ITEM_PATHS } from './openapi-service-items';
import { LICENCE_LIFECYCLE_PATHS, LICENCE_LIFECYCLE_SCHEMAS } from './openapi-licence-lifecycle';
import { DISPUTE_PATHS, DISPUTE_SCHEMAS } from './openapi-disputes';
import { FORCE_MAJEURE_PATHS, FORCE_MAJEURE_SCHEMAS } from './openapi-force-majeure';
import { ORGANISATION_PATHS, ORGANISATION_SCHEMAS } from './openapi-organisations';
import { SUPERVISION_PATHS, SUPERVISION_SCHEMAS } from './openapi-supervision';
import { REPORT_PATHS, REPORT_SCHEMAS } from './openapi-reports';
import { CONVERSION_PATHS, CONVERSION_SCHEMAS } from './openapi-conversions';
import { SEAL_USE_PATHS, SEAL_USE_SCHEMAS } from './openapi-seal-use';
import { DOCUMENT_PATHS } from './openapi-documents';
import { TRANSPARENCY_LOG_PATHS } from './openapi-transparency-log';
import { TRUST_LIST_PATHS } from './openapi-trust-list';
import { SEAL_STATUS_PATHS, SEAL_STATUS_SCHEMAS } from './openapi-seal-status';
import { SEAL_CUSTODIAN_PATHS, SEAL_CUSTODIAN_SCHEMAS } from './openapi-seal-custodians';
import { CERTIFICATE_PATHS, CERTIFICATE_SCHEMAS } from './openapi-organisation-certificates';
import { VERIFY_PATHS, VERIFY_SCHEMAS } from './openapi-verify';
import { DevLoginBody } from './routes/auth';
import { CalendarYearBody, MAX_DEADLINE_DAYS, MAX_DEADLINE_HOURS } from './services/calendar';
import { SealApplicationBody } from './services/seal-applications';
import { completePaths } from './openapi-links';
import { schema, json, ref, idParam, secured } from './openapi-parts';

const errors = (...codes: number[]) =>
  Object.fromEntries(
    codes.map((c) => [String(c), { description: ERROR_TEXT[c], content: json(ref('Error')) }]),
  );
const ERROR_TEXT: Record<number, string> = {
  400: 'Invalid input: the message and details name each field and rule; nothing was changed',
  401: 'Not authenticated',
  403: 'Not allowed for this role or jurisdiction',
  404: 'Not found',
  409: 'Conflicts with the current state (e.g. the task was already decided)',
  429: 'Too many requests (e.g. urged within the hour)',
  413: 'Request body too large',
  422: 'Cannot be processed in the current configuration',
  503: 'A dependency (Temporal) is unavailable; nothing was changed',
};
export function openApiDocument(serverUrl: string) {
  return {
    openapi: '3.1.0',
    info: {
      title: '晋城市电子证照与电子印章平台 API',
      version: '0.1.0',
      description:
        'Electronic licence and seal platform. Authenticate with a bearer JWT from the OIDC provider (scripts on a ' +
        'development machine: POST /api/auth/dev-login). ' +
        'Errors: {"error":{"code","message","details"}}.',
    },
    servers: [{ url: serverUrl }],
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      schemas: {
        ...SEAL_USE_SCHEMAS,
        ...SEAL_STATUS_SCHEMAS,
        ...SEAL_CUSTODIAN_SCHEMAS,
        ...CERTIFICATE_SCHEMAS,
        ...VERIFY_SCHEMAS,
        ...LICENCE_TYPE_SCHEMAS,
        ...LICENCE_SCHEMAS,
        ...LICENCE_LIFECYCLE_SCHEMAS,
        ...DISPUTE_SCHEMAS,
        ...FORCE_MAJEURE_SCHEMAS,
        ...ORGANISATION_SCHEMAS,
        ...SUPERVISION_SCHEMAS,
        ...REPORT_SCHEMAS,
        ...CONVERSION_SCHEMAS,
        ...APPROVAL_SCHEMAS,
        ...FLOW_DEFINITION_SCHEMAS,
        Error: {
          type: 'object',
          required: ['error'],
          properties: {
            error: {
              type: 'object',
              required: ['code', 'message', 'details'],
              properties: {
                code: { type: 'string', example: 'VALIDATION_FAILED' },
                message: { type: 'string' },
                details: {
                  description:
                    'For VALIDATION_FAILED: [{field, rule, message}]; for some refusals an object, e.g. {reason} of seal use',
                  oneOf: [
                    { type: 'null' },
                    { type: 'object', properties: { reason: { type: 'string' } } },
                    {
                      type: 'array',
                      items: {
                        type: 'object',
                        properties: {
                          field: { type: 'string' },
                          rule: { type: 'string' },
                          message: { type: 'string' },
                        },
                      },
                    },
                  ],
                },
              },
            },
          },
        },
        SealApplicationRequest: schema(SealApplicationBody, 'output'),
        CalendarYearRequest: schema(CalendarYearBody, 'output'),
        CalendarYear: {
          type: 'object',
          description:
            "A year's holidays (days off) and make-up working days (调休上班); hasData false: no official data",
          properties: {
            year: { type: 'integer' },
            hasData: { type: 'boolean' },
            source: {
              type: ['string', 'null'],
              description: 'e.g. chinese-days@1.5.7, or admin once edited',
            },
            updatedAt: { type: ['string', 'null'], format: 'date-time' },
            updatedBy: { type: ['string', 'null'] },
            holidays: { type: 'array', items: ref('CalendarDay') },
            workdays: { type: 'array', items: ref('CalendarDay') },
          },
        },
        CalendarDay: {
          type: 'object',
          properties: { date: { type: 'string', format: 'date' }, name: { type: 'string' } },
        },
        SealApplication: {
          type: 'object',
          description: 'The application record plus the live process state from the workflow query',
          properties: {
            id: { type: 'string' },
            status: { type: 'string', enum: ['pending', 'approved', 'rejected', 'failed'] },
            outcomeReason: { type: ['string', 'null'] },
            sealId: { type: ['string', 'null'] },
            process: {
              type: 'object',
              properties: {
                currentLevel: { type: ['integer', 'null'] },
                levels: { type: 'array', items: { type: 'object' } },
                whoMayAct: { type: 'array', items: { type: 'object' } },
                history: { type: 'array', items: { type: 'object' } },
              },
            },
          },
        },
        Seal: {
          type: 'object',
          properties: {
            id: { type: 'string' },
            esId: { type: 'string' },
            kind: { type: 'string' },
            name: { type: 'string' },
            status: { type: 'string' },
            validFrom: { type: 'string', format: 'date-time' },
            validTo: { type: 'string', format: 'date-time' },
            certificate: {
              type: 'object',
              properties: {
                serialNumber: { type: 'string' },
                subject: { type: 'string' },
                notBefore: { type: 'string', format: 'date-time' },
                notAfter: { type: 'string', format: 'date-time' },
              },
            },
            sealInfo: { type: 'object', description: 'GB/T 38540 seal info' },
            makerSignature: { type: 'object' },
          },
        },
      },
    },
    paths: completePaths({
      '/health': {
        get: {
          summary: 'Database and Temporal status',
          responses: { '200': { description: 'Both answer' }, '503': { description: 'One does not answer' } },
        },
      },
      '/api/auth/dev-login': {
        post: {
          summary:
            'Development login: a token for a seeded account, without a password. Exists only with DEV_LOGIN=enabled ' +
            '(404 otherwise) and answers only loopback requests no proxy forwarded (403 otherwise)',
          requestBody: { required: true, content: json(schema(DevLoginBody, 'output')) },
          responses: {
            '200': {
              description: 'Token',
              content: json({ type: 'object', properties: { token: { type: 'string' } } }),
            },
            ...errors(400, 401, 403, 404),
          },
        },
      },
      '/api/me': {
        get: {
          summary: 'The caller',
          security: secured,
          responses: { '200': { description: 'Principal' }, ...errors(401) },
        },
      },
      '/api/seal-applications': {
        post: {
          summary: 'Apply for an electronic seal (SM-5); starts the level-by-level review',
          security: secured,
          parameters: [
            {
              name: 'Idempotency-Key',
              in: 'header',
              required: false,
              description: 'A repeated request with the same key returns the first application',
              schema: { type: 'string' },
            },
          ],
          requestBody: { required: true, content: json(ref('SealApplicationRequest')) },
          responses: {
            '201': { description: 'Created', content: json(ref('SealApplication')) },
            '200': {
              description: 'Already submitted with this Idempotency-Key',
              content: json(ref('SealApplication')),
            },
            ...errors(400, 401, 403, 413, 422, 503),
          },
        },
        get: {
          summary: "The caller's organisation's applications",
          security: secured,
          responses: { '200': { description: 'List' }, ...errors(401) },
        },
      },
      '/api/seal-applications/{id}': {
        get: {
          summary: 'An application with its live process state',
          security: secured,
          parameters: [idParam('id')],
          responses: {
            '200': { description: 'Application', content: json(ref('SealApplication')) },
            ...errors(401, 403, 404),
          },
        },
      },
      '/api/seal-applications/{id}/imprint': {
        get: {
          summary: 'The imprint image of an application',
          security: secured,
          parameters: [idParam('id')],
          responses: { '200': { description: 'PNG or SVG' }, ...errors(401, 403, 404) },
        },
      },
      ...APPROVAL_PATHS,
      ...FLOW_DEFINITION_PATHS,
      '/api/calendar/deadline': {
        get: {
          summary:
            'Deadline of "within N working days" (public): the day of receipt does not count; 24:00 Asia/Shanghai ' +
            'of the N-th working day. provisional: a day counted lies in a year without official calendar data',
          parameters: [
            {
              name: 'from',
              in: 'query',
              required: true,
              description: 'Time of receipt, ISO 8601 with offset or Z',
              schema: { type: 'string', format: 'date-time' },
            },
            {
              name: 'workingDays',
              in: 'query',
              description: 'N working days (this or workingHours)',
              schema: { type: 'integer', minimum: 0, maximum: MAX_DEADLINE_DAYS },
            },
            {
              name: 'workingHours',
              in: 'query',
              description: 'Office hours instead (09:00–12:00, 13:00–17:00 Shanghai on working days)',
              schema: { type: 'integer', minimum: 0, maximum: MAX_DEADLINE_HOURS },
            },
          ],
          responses: {
            '200': {
              description: 'Deadline',
              content: json({
                type: 'object',
                properties: {
                  dueAt: { type: 'string', format: 'date-time' },
                  provisional: { type: 'boolean' },
                },
              }),
            },
            ...errors(400),
          },
        },
      },
      '/api/calendar/years': {
        get: {
          summary: 'The years with official calendar data, with counts of their listed days',
          security: secured,
          responses: { '200': { description: 'List' }, ...errors(401) },
        },
      },
      '/api/calendar/years/{year}': {
        get: {
          summary: "A year's holidays and make-up working days, and whether it has data",
          security: secured,
          parameters: [idParam('year')],
          responses: {
            '200': { description: 'Year', content: json(ref('CalendarYear')) },
            ...errors(400, 401),
          },
        },
        put: {
          summary:
            "Replace a year's holidays and make-up working days (platform_admin); audited as calendar.update. " +
            'Running approval deadlines in or after the year are then re-timed (audited as calendar.retime)',
          security: secured,
          parameters: [idParam('year')],
          requestBody: { required: true, content: json(ref('CalendarYearRequest')) },
          responses: {
            '200': { description: 'Year after the change', content: json(ref('CalendarYear')) },
            ...errors(400, 401, 403),
          },
        },
      },
      '/api/seals': {
        get: {
          summary: "The caller's organisation's seals",
          security: secured,
          responses: { '200': { description: 'List' }, ...errors(401) },
        },
      },
      '/api/seals/{id}': {
        get: {
          summary: 'A seal with its certificate serial, subject and validity',
          security: secured,
          parameters: [idParam('id')],
          responses: { '200': { description: 'Seal', content: json(ref('Seal')) }, ...errors(401, 403, 404) },
        },
      },
      '/api/seals/{id}/imprint': {
        get: {
          summary: 'The imprint image of a seal',
          security: secured,
          parameters: [idParam('id')],
          responses: { '200': { description: 'PNG or SVG' }, ...errors(401, 403, 404) },
        },
      },
      ...SEAL_USE_PATHS,
      ...DOCUMENT_PATHS,
      ...TRANSPARENCY_LOG_PATHS,
      ...TRUST_LIST_PATHS,
      ...SEAL_STATUS_PATHS,
      ...SEAL_CUSTODIAN_PATHS,
      ...CERTIFICATE_PATHS,
      ...VERIFY_PATHS,
      ...LICENCE_TYPE_PATHS,
      ...LICENCE_PATHS,
      ...HOLDER_PORTAL_PATHS,
      ...SERVICE_ITEM_PATHS,
      ...LICENCE_LIFECYCLE_PATHS,
      ...DISPUTE_PATHS,
      ...FORCE_MAJEURE_PATHS,
      ...ORGANISATION_PATHS,
      ...SUPERVISION_PATHS,
      ...REPORT_PATHS,
      ...CONVERSION_PATHS,
    }),
  };
}

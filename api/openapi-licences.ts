/**
 * The OpenAPI description of licence issuance, lookup, export, versions and late arrivals (LM-7, LM-9, LM-14),
 * spread into api/openapi.ts; request bodies from the validating zod schemas.
 */
import { ChangeLicenceBody, IssueLicenceBody } from '../domain/licence-issuance-schema';
import { LICENCE_STATUSES } from '../domain/licence';
import { schema, json, ref, error, secured } from './openapi-parts';

const pathParam = (name: string, description: string) => ({
  name,
  in: 'path',
  required: true,
  description,
  schema: { type: 'string' },
});
const query = (name: string, description: string, type = 'string') => ({
  name,
  in: 'query',
  required: false,
  description,
  schema: { type },
});
const identifier = pathParam(
  'identifier',
  '证照标识 (GB/T 36904), e.g. 1.2.156.3005.2.<type>.<issuer>.<serial>.<version>.<check>',
);
const nullable = (s: object) => ({ oneOf: [{ type: 'null' }, s] });

const issueResponses = (what: string) => ({
  '201': {
    description: `${what} signed within the short wait: {issuance, licence}`,
    content: json({
      type: 'object',
      properties: { issuance: ref('LicenceIssuance'), licence: ref('Licence') },
    }),
  },
  '200': {
    description: 'The same case id with the same content again: its current state, nothing new issued',
    content: json({
      type: 'object',
      properties: { issuance: ref('LicenceIssuance'), licence: nullable(ref('Licence')) },
    }),
  },
  '202': {
    description:
      'Accepted, still signing or awaiting a seal-use authorisation (SM-12): {issuance}; poll the Location (/api/licenses/issuances/{caseId})',
    content: json({ type: 'object', properties: { issuance: ref('LicenceIssuance') } }),
  },
  '400': error(
    'Invalid input naming each field (e.g. data.legalRepresentative, holder.code); nothing stored',
  ),
  '401': error('Not authenticated'),
  '403': error('Not a licence_system / licence_issuer of a unit the catalogue names as issuing unit (LM-7)'),
  '409': error('The case id was used with other content, or the licence is not the latest version / failed'),
  '503': error(
    'The database or Temporal is unavailable; retry after Retry-After with the same key, which finds a request already stored',
  ),
});

export const LICENCE_SCHEMAS = {
  IssueLicenceBody: schema(IssueLicenceBody),
  ChangeLicenceBody: schema(ChangeLicenceBody),
  LicenceIssuance: {
    type: 'object',
    description:
      'An issuance request of an issuing unit, unique per business case id, with its LM-9 deadline',
    properties: {
      id: { type: 'string' },
      caseId: { type: 'string' },
      kind: { type: 'string', enum: ['issue', 'change'] },
      status: { type: 'string', enum: ['pending', 'awaiting_seal', 'issued', 'failed'] },
      statusReason: { type: ['string', 'null'] },
      receivedAt: { type: 'string', format: 'date-time' },
      caseClosedAt: { type: 'string', format: 'date-time' },
      deadlineAt: {
        type: 'string',
        format: 'date-time',
        description: 'LM-9: 24:00 (Asia/Shanghai) of the first working day after the case closed',
      },
      deadlineProvisional: {
        type: 'boolean',
        description: 'The deadline fell in a year without calendar data',
      },
      late: { type: 'boolean', description: 'Received after the deadline' },
      licenceIdentifier: { type: ['string', 'null'] },
    },
  },
  Licence: {
    type: 'object',
    description:
      'A licence as the caller may see it; masked=true: sensitive items and a person’s name masked',
    properties: {
      identifier: { type: 'string' },
      name: { type: 'string' },
      typeCode: { type: 'string' },
      typeVersion: { type: 'integer' },
      version: { type: 'integer' },
      previousIdentifier: { type: ['string', 'null'] },
      licenceNumber: { type: 'string' },
      issuer: {
        type: 'object',
        properties: { id: { type: 'string' }, name: { type: 'string' }, code: { type: 'string' } },
      },
      holder: {
        type: 'object',
        properties: {
          name: { type: 'string' },
          code: { type: 'string' },
          codeType: { type: 'string', enum: ['111', '001'] },
        },
      },
      issueDate: { type: 'string', format: 'date' },
      validFrom: { type: 'string', format: 'date' },
      validTo: { type: ['string', 'null'], format: 'date', description: 'null: 长期' },
      status: { type: 'string', enum: [...LICENCE_STATUSES] },
      currentStatus: { type: 'string', enum: [...LICENCE_STATUSES], description: 'Expiry applied' },
      statusLabel: { type: 'string' },
      data: { type: 'object', additionalProperties: true },
      masked: { type: 'boolean' },
      issuedAt: { type: 'string', format: 'date-time' },
      late: { type: 'boolean' },
      legacyConversion: {
        type: 'boolean',
        description: 'Issue 19: converted from the legacy stock (存量转换)',
      },
      signature: {
        type: 'object',
        properties: {
          sealName: { type: 'string' },
          esId: { type: 'string' },
          signingTime: { type: 'string', format: 'date-time' },
          signerCertificateSubject: { type: 'string' },
          algorithm: { type: 'string' },
          dataHash: { type: 'string', description: 'SHA-256 (hex) of the RFC 8785 canonical form' },
        },
      },
      verifyUrl: { type: 'string', description: 'The public verification page' },
      accessCode: {
        type: 'string',
        description:
          'The access code: the verification page with ?code=<accessCode> shows the masked face, and the copies need it',
      },
    },
  },
  LicenceExport: {
    type: 'object',
    description: 'The signed licence document, as POST /api/verify accepts it',
    properties: {
      format: { type: 'string', enum: ['jincheng-elicence/1'] },
      licence: {
        type: 'object',
        properties: { metadata: { type: 'object' }, data: { type: 'object' } },
      },
      signature: ref('SealSignature'),
    },
  },
};

export const LICENCE_PATHS = {
  '/api/licenses': {
    post: {
      summary:
        "Issue a licence (version 001) from an issuing unit's business system (licence_system or licence_issuer), idempotent by the unit's caseId (LM-7, LM-9)",
      security: secured,
      requestBody: { required: true, content: json(ref('IssueLicenceBody')) },
      responses: issueResponses('Issued'),
    },
    get: {
      summary:
        "The latest versions of the issuing unit's own licences (management-unit overseers: within their jurisdiction), newest first, 50 a page",
      security: secured,
      parameters: [
        query('holderCode', 'Holder code (citizen ID or USCC)'),
        query('typeCode', 'Licence type code (21 characters)'),
        query('page', 'Page, from 1', 'integer'),
      ],
      responses: {
        '200': {
          description: '{items: Licence[], page, pageSize, total}',
          content: json({
            type: 'object',
            properties: {
              items: { type: 'array', items: ref('Licence') },
              page: { type: 'integer' },
              pageSize: { type: 'integer' },
              total: { type: 'integer' },
            },
          }),
        },
        '400': error('Invalid query'),
        '403': error('Not an issuing unit or management-unit role'),
      },
    },
  },
  '/api/licenses/late': {
    get: {
      summary:
        'LM-9 late arrivals (offline-generated licences received after 24:00 of the first working day after the case closed) per issuing unit within the management unit’s jurisdiction',
      security: secured,
      parameters: [
        query('organisationId', 'One issuing unit'),
        query('from', 'Received on or after (date, Asia/Shanghai)'),
        query('to', 'Received on or before (date, Asia/Shanghai)'),
      ],
      responses: {
        '200': {
          description:
            '{units: [{organisationId, organisationName, count, excused, items}], total}; an item excused by a force-majeure incident (LM-11) names it in excusedIncidentId; an item whose case was announced when it closed names the announced case in announcedCaseId',
          content: json({
            type: 'object',
            properties: {
              units: { type: 'array', items: { type: 'object' } },
              total: { type: 'integer' },
            },
          }),
        },
        '400': error('Invalid query (details name the parameter)'),
        '403': error(
          'Not a supervisor or platform admin of a management unit, or the unit is outside its jurisdiction',
        ),
        '404': error('No such organisation'),
      },
    },
  },
  '/api/licenses/issuances/{caseId}': {
    get: {
      summary: "The state of the issuing unit's own issuance request, and its licence once issued",
      security: secured,
      parameters: [pathParam('caseId', "The issuing unit's business case id")],
      responses: {
        '200': {
          description: '{issuance, licence|null}',
          content: json({
            type: 'object',
            properties: { issuance: ref('LicenceIssuance'), licence: nullable(ref('Licence')) },
          }),
        },
        '403': error('Not an issuing role'),
        '404': error('No request of this unit with this case id'),
      },
    },
  },
  '/api/licenses/{identifier}': {
    get: {
      summary:
        'One licence, checked by role and jurisdiction: the issuing unit and overseeing management units and the holder in full; using units with the type on their usage list (LM-14) masked unless granted full data; others 403 (audited)',
      security: secured,
      parameters: [identifier],
      responses: {
        '200': { description: 'The licence', content: json(ref('Licence')) },
        '403': error('No right to see this licence'),
        '404': error('No such licence'),
      },
    },
  },
  '/api/licenses/{identifier}/export': {
    get: {
      summary:
        'The signed licence document (metadata, data items, seal signature) for callers with full access',
      security: secured,
      parameters: [identifier],
      responses: {
        '200': { description: 'The export', content: json(ref('LicenceExport')) },
        '403': error('No right to see this licence in full'),
        '404': error('No such licence'),
      },
    },
  },
  '/api/licenses/{identifier}/ses-signature': {
    get: {
      summary:
        "The licence's signature record in the ASN.1 encoding of GB/T 38540 (SES_Signature, DER), for callers with full access",
      security: secured,
      parameters: [identifier],
      responses: {
        '200': {
          description: 'SES_Signature, DER',
          content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } },
        },
        '403': error('No right to see this licence in full'),
        '404': error('No such licence'),
      },
    },
  },
  '/api/licenses/{identifier}/versions': {
    get: {
      summary: 'Every version of the licence, oldest first, with the kind and reason of each change',
      security: secured,
      parameters: [identifier],
      responses: {
        '200': {
          description:
            '{items: [{identifier, version, status, issuedAt, previousIdentifier, changeKind, reason}]}',
          content: json({
            type: 'object',
            properties: { items: { type: 'array', items: { type: 'object' } } },
          }),
        },
        '403': error('No right to see this licence'),
        '404': error('No such licence'),
      },
    },
    post: {
      summary:
        'Issue a new version (correction or change) of the latest version of a licence, by its issuing unit; the data is checked against the type’s currently published version; idempotent by caseId',
      security: secured,
      parameters: [identifier],
      requestBody: { required: true, content: json(ref('ChangeLicenceBody')) },
      responses: {
        ...issueResponses('The new version'),
        '404': error('No such licence'),
      },
    },
  },
};

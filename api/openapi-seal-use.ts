/** The OpenAPI description of seal use (SM-12), spread into api/openapi.ts; bodies from the validating zod schemas. */
import { SEAL_USE_HTTP_STATUS, SEAL_USE_PROBLEM_CODES } from '../domain/seal-use';
import { SealSignBody, SealUseRequestBody } from '../domain/seal-use-schema';
import { schema, json, ref, error, idParam, secured } from './openapi-parts';

const sealIdQuery = { name: 'sealId', in: 'query', required: false, schema: { type: 'string' } };
const codesFor = (status: number) =>
  SEAL_USE_PROBLEM_CODES.filter((c) => SEAL_USE_HTTP_STATUS[c] === status).join(', ');

export const SEAL_USE_SCHEMAS = {
  SealUseRequestBody: schema(SealUseRequestBody, 'output'),
  SealSignBody: schema(SealSignBody, 'output'),
  SealUseAuthorisation: {
    type: 'object',
    properties: {
      id: { type: 'string' },
      requestId: { type: 'string' },
      sealId: { type: 'string' },
      granteeId: { type: 'string' },
      documents: { type: 'array', items: { type: 'object' } },
      maxUses: { type: 'integer' },
      usedCount: { type: 'integer' },
      remainingUses: { type: 'integer' },
      validFrom: { type: 'string', format: 'date-time' },
      validTo: { type: 'string', format: 'date-time' },
      status: { type: 'string', enum: ['active', 'revoked'] },
      live: { type: 'boolean', description: 'Active, inside [validFrom, validTo) and uses left' },
      approvedBy: { type: 'array', items: { type: 'object' } },
    },
  },
  SealUseRequest: {
    type: 'object',
    properties: {
      id: { type: 'string' },
      sealId: { type: 'string' },
      status: { type: 'string', enum: ['pending', 'approved', 'rejected', 'withdrawn'] },
      documents: { type: 'array', items: { type: 'object' } },
      maxUses: { type: 'integer' },
      validFrom: { type: 'string', format: 'date-time' },
      validTo: { type: 'string', format: 'date-time' },
      outcomeReason: { type: ['string', 'null'] },
      approval: {
        type: 'object',
        description: 'The approval process: its workflow id and page (/approvals/<workflowId>)',
        properties: {
          workflowId: { type: 'string' },
          url: { type: 'string' },
          status: { type: ['string', 'null'] },
        },
      },
      authorisation: { oneOf: [{ type: 'null' }, ref('SealUseAuthorisation')] },
    },
  },
  SealSignature: {
    type: 'object',
    description:
      'Signature record modelled on GB/T 38540; verify signatureValue over signedContent with signerCertificate',
    properties: {
      version: { type: 'integer' },
      sealId: { type: 'string' },
      seal: { type: 'object', description: 'esId, name, kind, sealInfo, makerSignature' },
      signingTime: { type: 'string', format: 'date-time' },
      dataHash: {
        type: 'object',
        properties: { algorithm: { type: 'string', enum: ['SHA-256'] }, value: { type: 'string' } },
      },
      documentTitle: { type: 'string' },
      authorisationId: { type: 'string' },
      signerCertificate: {
        type: 'string',
        description: 'PEM of the certificate bound in sealInfo.property.certList',
      },
      algorithm: { type: 'string', enum: ['SHA256withRSA', 'SM3withSM2'] },
      signedContent: { type: 'string', description: 'RFC 8785 canonical JSON that was signed' },
      signatureValue: { type: 'string', description: 'Base64' },
    },
  },
};

export const SEAL_USE_PATHS = {
  '/api/seal-use-requests': {
    post: {
      summary:
        "Request a use of a seal of the caller's organisation (seal_applicant or unit_leader); starts the organisation's seal_use approval flow (SM-12). Optional Idempotency-Key header",
      security: secured,
      parameters: [{ name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string' } }],
      requestBody: { required: true, content: json(ref('SealUseRequestBody')) },
      responses: {
        '201': { description: 'Submitted', content: json(ref('SealUseRequest')) },
        '200': {
          description: 'Same Idempotency-Key: the earlier request',
          content: json(ref('SealUseRequest')),
        },
        '400': error('Invalid input, naming each field; nothing stored'),
        '401': error('Not authenticated'),
        '403': error('A seal of another organisation, or the caller lacks the role'),
        '404': error('No such seal'),
        '422': error('The seal is not active'),
        '503': error(
          'The database or Temporal is unavailable; retry after Retry-After with the same key, which finds a request already stored',
        ),
      },
    },
    get: {
      summary: "The caller's organisation's seal-use requests",
      security: secured,
      parameters: [sealIdQuery],
      responses: {
        '200': { description: 'List' },
        '400': error('Invalid query (details name the parameter)'),
        '401': error('Not authenticated'),
      },
    },
  },
  '/api/seal-use-requests/{id}': {
    get: {
      summary: 'A seal-use request with its approval process link and, once approved, its authorisation',
      security: secured,
      parameters: [idParam('id')],
      responses: {
        '200': { description: 'Request', content: json(ref('SealUseRequest')) },
        '403': error('Not the organisation or an overseeing unit'),
        '404': error('Not found'),
      },
    },
  },
  '/api/seal-use-authorisations': {
    get: {
      summary: "The caller's own seal-use authorisations (the caller is the grantee)",
      security: secured,
      parameters: [sealIdQuery],
      responses: {
        '200': { description: 'List' },
        '400': error('Invalid query (details name the parameter)'),
        '401': error('Not authenticated'),
      },
    },
  },
  '/api/seals/{id}/sign': {
    post: {
      summary:
        'Sign a document hash with the seal under a live authorisation, consuming one use (SM-12). Refusals carry their code in error.details.reason',
      security: secured,
      parameters: [idParam('id')],
      requestBody: { required: true, content: json(ref('SealSignBody')) },
      responses: {
        '201': {
          description: 'Signed: {id, usedCount, maxUses, remainingUses, signature}',
          content: json({
            type: 'object',
            properties: {
              id: { type: 'string' },
              usedCount: { type: 'integer' },
              maxUses: { type: 'integer' },
              remainingUses: { type: 'integer' },
              signature: ref('SealSignature'),
            },
          }),
        },
        '400': error('Invalid input, naming each field; nothing changed'),
        '403': error(`Not the caller's to use: ${codesFor(403)}`),
        '404': error('No such seal'),
        '409': error(
          `The authorisation's state forbids it, or the seal names no custodian (SM-14): ${codesFor(409)}`,
        ),
        '422': error(`Outside what was authorised, or the seal cannot sign now: ${codesFor(422)}`),
        '503': error(
          'The signing service (the signing task queue, issue 11 Build 5) did not answer in time; a signature it made meanwhile is listed by GET /api/seals/{id}/signatures',
        ),
      },
    },
  },
  '/api/seals/{id}/signatures': {
    get: {
      summary: 'Signatures made with the seal (SM-13 archive)',
      security: secured,
      parameters: [idParam('id')],
      responses: { '200': { description: 'List' }, '403': error('Not allowed'), '404': error('Not found') },
    },
  },
};

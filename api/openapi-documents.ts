/** The OpenAPI description of stamping a PDF (issue 18 Build 1, SM-9, SM-12), spread into api/openapi.ts. */
import { SEAL_USE_HTTP_STATUS, SEAL_USE_PROBLEM_CODES } from '../domain/seal-use';
import { error, idParam, json, secured } from './openapi-parts';

const codesFor = (status: number) =>
  SEAL_USE_PROBLEM_CODES.filter((c) => SEAL_USE_HTTP_STATUS[c] === status).join(', ');

const PDF_VERIFICATION_REPORT = {
  type: 'object',
  required: ['indication', 'indicationLabel', 'documentSha256', 'signatures', 'verifiedAt'],
  properties: {
    indication: { type: 'string', enum: ['PASSED', 'FAILED', 'INDETERMINATE'] },
    indicationLabel: { type: 'string' },
    documentSha256: { type: 'string' },
    verifiedAt: { type: 'string', format: 'date-time' },
    signatures: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          indication: { type: 'string', enum: ['PASSED', 'FAILED', 'INDETERMINATE'] },
          subIndication: { type: ['string', 'null'] },
          explanation: { type: ['string', 'null'] },
          seal: { type: ['object', 'null'] },
          organisation: { type: ['string', 'null'] },
          signingTime: { type: ['string', 'null'] },
          signingTimeTimestamped: { type: 'boolean' },
          timestamp: { type: ['object', 'null'] },
          coverage: { type: 'string', enum: ['ENTIRE_FILE', 'SIGNATURES_ADDED', 'CHANGED'] },
          trustAnchor: {
            type: ['object', 'null'],
            description:
              "The trust list's entry the signer's chain ends at (id, name, kind, kindLabel); null for the platform's own CA or no chain",
          },
          statusAtSigning: { type: ['object', 'null'] },
          statusNow: { type: ['object', 'null'] },
          checks: { type: 'array', items: { type: 'object' } },
        },
      },
    },
  },
};

export const DOCUMENT_PATHS = {
  '/api/seals/{id}/stamp': {
    post: {
      summary:
        "Stamp a PDF with the seal under a live authorisation, consuming one use (SM-12): the imprint at its size in millimetres at the given place, and a PAdES signature (ETSI.CAdES.detached, SHA-256) made by the signing worker. The authorisation must name the PDF's own SHA-256 (or its title, the file name). Earlier signatures stay valid (incremental update)",
      security: secured,
      parameters: [idParam('id')],
      requestBody: {
        required: true,
        content: {
          'multipart/form-data': {
            schema: {
              type: 'object',
              required: ['document', 'authorisationId', 'page', 'xMm', 'yMm'],
              properties: {
                document: { type: 'string', format: 'binary', description: 'The PDF, at most 10 MB' },
                authorisationId: { type: 'string' },
                page: { type: 'integer', minimum: 1, description: '1-based page number' },
                xMm: {
                  type: 'number',
                  minimum: 0,
                  description: "Imprint centre, mm from the page's left edge",
                },
                yMm: {
                  type: 'number',
                  minimum: 0,
                  description: "Imprint centre, mm from the page's top edge",
                },
              },
            },
          },
        },
      },
      responses: {
        '201': {
          description:
            'The stamped PDF; headers X-Seal-Signature-Id (the seal signature record), X-Document-Sha256 (the uploaded PDF) and X-Remaining-Uses',
          content: { 'application/pdf': { schema: { type: 'string', format: 'binary' } } },
        },
        '400': error(
          'Invalid input, naming each field (not a readable PDF, page out of range); nothing changed',
        ),
        '401': error('Not signed in'),
        '403': error(`Not the caller's to use: ${codesFor(403)}`),
        '404': error('No such seal'),
        '409': error(`The authorisation's state forbids it: ${codesFor(409)}`),
        '422': error(`Outside what was authorised, or the seal cannot sign now: ${codesFor(422)}`),
        '503': error('The signing service (the signing task queue) did not answer in time'),
      },
    },
  },
  '/api/seals/{id}/stamp-batch': {
    post: {
      summary:
        'Batch mode: stamp up to 20 PDFs under one live authorisation with one placement rule (the same page and position on each), one use each (SM-12). The whole batch is checked first (every PDF readable, authorised, uses enough left): a batch the authorisation does not cover is refused whole with nothing used',
      security: secured,
      parameters: [idParam('id')],
      requestBody: {
        required: true,
        content: {
          'multipart/form-data': {
            schema: {
              type: 'object',
              required: ['documents', 'authorisationId', 'page', 'xMm', 'yMm'],
              properties: {
                documents: {
                  type: 'array',
                  minItems: 1,
                  maxItems: 20,
                  items: { type: 'string', format: 'binary' },
                  description: 'The PDFs, each at most 10 MB',
                },
                authorisationId: { type: 'string' },
                page: { type: 'integer', minimum: 1, description: '1-based page number, on every document' },
                xMm: {
                  type: 'number',
                  minimum: 0,
                  description: "Imprint centre, mm from the page's left edge",
                },
                yMm: {
                  type: 'number',
                  minimum: 0,
                  description: "Imprint centre, mm from the page's top edge",
                },
              },
            },
          },
        },
      },
      responses: {
        '201': {
          description: 'Every document stamped and archived, in the order sent; download each at pdfUrl',
          content: json({
            type: 'object',
            required: ['authorisationId', 'remainingUses', 'documents'],
            properties: {
              authorisationId: { type: 'string' },
              remainingUses: { type: 'integer' },
              documents: {
                type: 'array',
                items: {
                  type: 'object',
                  required: [
                    'documentId',
                    'signatureId',
                    'documentHash',
                    'fileName',
                    'stampedSha256',
                    'pdfUrl',
                  ],
                  properties: {
                    documentId: { type: 'string' },
                    signatureId: { type: 'string' },
                    documentHash: { type: 'string' },
                    fileName: { type: 'string' },
                    stampedSha256: { type: 'string' },
                    pdfUrl: { type: 'string' },
                  },
                },
              },
            },
          }),
        },
        '400': error('Invalid input, naming each field (documents[i] not a readable PDF, page out of range)'),
        '401': error('Not signed in'),
        '403': error(`Not the caller's to use: ${codesFor(403)}`),
        '404': error('No such seal'),
        '409': error(
          `The authorisation's state forbids it (too few uses left for the batch): ${codesFor(409)}`,
        ),
        '422': error(`A document outside what was authorised, or the seal cannot sign now: ${codesFor(422)}`),
        '503': error('The signing service (the signing task queue) did not answer in time'),
      },
    },
  },
  '/api/stamped-documents/{id}': {
    get: {
      summary:
        "A stamped document in the archive (SM-13) with the authorisation that allowed it; for the seal's organisation and the units overseeing it",
      security: secured,
      parameters: [idParam('id')],
      responses: {
        '200': {
          description: 'The archive record (the PDF itself at /pdf)',
          content: json({
            type: 'object',
            properties: {
              id: { type: 'string' },
              signatureId: { type: 'string' },
              sealId: { type: 'string' },
              organisationId: { type: 'string' },
              stampedBy: { type: 'string' },
              fileName: { type: 'string' },
              originalSha256: { type: 'string' },
              stampedSha256: { type: 'string' },
              createdAt: { type: 'string', format: 'date-time' },
              size: { type: 'integer' },
              authorisation: { type: 'object' },
            },
          }),
        },
        '401': error('Not signed in'),
        '403': error("Another unit's document"),
        '404': error('No such document'),
      },
    },
  },
  '/api/stamped-documents/{id}/pdf': {
    get: {
      summary: 'The archived stamped PDF (SM-13)',
      security: secured,
      parameters: [idParam('id')],
      responses: {
        '200': {
          description: 'The stamped PDF as it was handed out',
          content: { 'application/pdf': { schema: { type: 'string', format: 'binary' } } },
        },
        '401': error('Not signed in'),
        '403': error("Another unit's document"),
        '404': error('No such document'),
      },
    },
  },
  '/api/pki/crl': {
    get: {
      summary: "The platform CA's current CRL (issue 18 Build 2), DER; public",
      responses: {
        '200': {
          description: 'An X.509 v2 CRL signed by the CA',
          content: { 'application/pkix-crl': { schema: { type: 'string', format: 'binary' } } },
        },
        '503': error('The signing service did not answer in time'),
      },
    },
  },
  '/api/pki/ocsp': {
    post: {
      summary: 'OCSP (RFC 6960) for the certificates the platform CA issued (issue 18 Build 2); public',
      requestBody: {
        required: true,
        content: {
          'application/ocsp-request': { schema: { type: 'string', format: 'binary' } },
          'application/octet-stream': { schema: { type: 'string', format: 'binary' } },
        },
      },
      responses: {
        '200': {
          description: 'A DER OCSPResponse signed by the CA (malformedRequest for an unreadable request)',
          content: { 'application/ocsp-response': { schema: { type: 'string', format: 'binary' } } },
        },
        '400': error('No DER request in the body'),
        '413': error('Request too large'),
        '503': error('The signing service did not answer in time'),
      },
    },
  },
  '/api/verify/pdf': {
    post: {
      summary:
        'Verify a stamped PDF (issue 18, SM-11; public, no login): per signature the seal, organisation, signing time and timestamp, changes after signing, certificate chain and the seal’s status at signing and now, with DSS-style indications. The page for a person is /verify/pdf',
      security: [],
      requestBody: {
        required: true,
        content: {
          'application/pdf': { schema: { type: 'string', format: 'binary' } },
          'multipart/form-data': {
            schema: {
              type: 'object',
              required: ['document'],
              properties: {
                document: { type: 'string', format: 'binary', description: 'The PDF, at most 10 MB' },
              },
            },
          },
        },
      },
      responses: {
        '200': {
          description: 'The report, whatever the indication (PASSED, FAILED or INDETERMINATE)',
          content: json(PDF_VERIFICATION_REPORT),
        },
        '400': error('Not a PDF, no signature in it, or larger than 10 MB: the details name `document`'),
        '429': error('Too many verifications from this address'),
      },
    },
  },
  '/api/verify/signature': {
    post: {
      summary:
        'Verify a detached seal-signature record (as POST /api/seals/{id}/sign answers it) with the document it covers or its SHA-256 (issue 18, SM-11; public)',
      security: [],
      requestBody: {
        required: true,
        content: json({
          type: 'object',
          required: ['signature'],
          additionalProperties: false,
          properties: {
            signature: { type: 'object', description: 'The record (`signature` of the sign answer)' },
            document: {
              type: 'string',
              format: 'byte',
              description: 'The document, Base64 (at most about 1 MB)',
            },
            documentSha256: { type: 'string', pattern: '^[0-9a-fA-F]{64}$' },
          },
        }),
      },
      responses: {
        '200': { description: 'The report, whatever the indication', content: json(PDF_VERIFICATION_REPORT) },
        '400': error(
          'No record, or not exactly one of document and documentSha256: the details name the field',
        ),
        '413': error('Request too large'),
        '429': error('Too many verifications from this address'),
      },
    },
  },
};

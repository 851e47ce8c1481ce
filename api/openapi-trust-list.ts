/** The OpenAPI description of the trust list (issue 20 Build 3), spread into api/openapi.ts. */
import { TRUST_ANCHOR_KINDS } from '../domain/trust-list';
import { error, idParam, json, list, query, schema, secured } from './openapi-parts';
import { TrustListImport } from './services/trust-list';

const instant = { type: 'string', format: 'date-time' };
const nullableText = { type: 'string', nullable: true };

const TRUST_ANCHOR = {
  type: 'object',
  description:
    'An anchor of the trust list: signatures whose signer certificate it issued, made within [validFrom, validTo], verify',
  properties: {
    id: { type: 'string', format: 'uuid' },
    name: { type: 'string' },
    kind: { type: 'string', enum: [...TRUST_ANCHOR_KINDS] },
    certificatePem: { type: 'string' },
    fingerprintSha256: { type: 'string', pattern: '^[0-9a-f]{64}$' },
    subject: { type: 'string' },
    validFrom: instant,
    validTo: instant,
    importedBy: { type: 'string' },
    importedAt: instant,
    removedBy: nullableText,
    removedAt: { ...instant, nullable: true },
  },
};

export const TRUST_LIST_PATHS = {
  '/api/trust-anchors': {
    get: {
      summary: 'The trust list: anchors in force (platform administrators and auditors)',
      security: secured,
      parameters: [query('removed', { type: 'string', enum: ['true', 'false'] }, 'Include removed anchors')],
      responses: {
        '200': { description: 'The anchors', content: list(TRUST_ANCHOR) },
        '400': error('Bad query (field named)'),
        '401': error('Not signed in'),
        '403': error('Neither a platform administrator nor an auditor'),
      },
    },
    post: {
      summary:
        "Import anchors into the trust list, all or none, each audited (the city's top management unit's platform administrators)",
      security: secured,
      requestBody: { required: true, content: json(schema(TrustListImport)) },
      responses: {
        '201': { description: 'The anchors imported', content: list(TRUST_ANCHOR) },
        '400': error('Invalid anchor (field named, e.g. anchors.0.certificatePem)'),
        '401': error('Not signed in'),
        '403': error("Not a platform administrator of the city's top management unit"),
        '409': error('A certificate already in the list'),
      },
    },
  },
  '/api/trust-anchors/{id}': {
    delete: {
      summary: 'Remove an anchor from the trust list (audited); its record stays, marked removed',
      security: secured,
      parameters: [idParam('id')],
      responses: {
        '200': { description: 'The anchor removed', content: json(TRUST_ANCHOR) },
        '400': error('Bad id'),
        '401': error('Not signed in'),
        '403': error("Not a platform administrator of the city's top management unit"),
        '404': error('No such anchor in force'),
      },
    },
  },
};

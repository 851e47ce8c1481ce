/**
 * The OpenAPI description of issue 16: 亮证 (WP-(三)3), consents (LM-16 … LM-18), the access history (LM-20), the
 * using unit's archive (LM-21), the public presentation key and Token Status Lists, and a using unit's usage list
 * and its requests (LM-14); spread into api/openapi.ts.
 */
import { LicenceUsageRequestBody } from '../domain/licence-usage';
import { ArchiveBody } from './services/licence-archives';
import { ConsentBody } from './services/licence-consents';
import { PresentBody } from './services/presentations';
import { error, idParam, json, schema, secured } from './openapi-parts';

const identifier = idParam('identifier');
const object = { type: 'object' };
const items = json({ type: 'object', properties: { items: { type: 'array', items: object } } });

const organisationId = {
  name: 'organisationId',
  in: 'query',
  required: false,
  description:
    'The using unit (default: the caller’s own); a management unit may name one in its jurisdiction',
  schema: { type: 'string' },
};
const idempotencyKey = { name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string' } };

/** Issue 16 Build 5 (LM-12, LM-14, LM-15): a using unit's usage list and its requests. */
const USAGE_LIST_PATHS = {
  '/api/usage-list': {
    get: {
      summary: 'A using unit’s usage list: the licence types it may use, for what purpose, masked or in full',
      security: secured,
      parameters: [organisationId],
      responses: {
        '200': { description: '{items}', content: items },
        '400': error('Invalid input naming the field'),
        '401': error('Not authenticated'),
        '403': error('Another unit outside the caller’s jurisdiction'),
      },
    },
  },
  '/api/usage-list-requests': {
    get: {
      summary: 'A using unit’s usage-list requests, newest first',
      security: secured,
      parameters: [organisationId],
      responses: {
        '200': { description: '{items}', content: items },
        '400': error('Invalid input naming the field'),
        '401': error('Not authenticated'),
        '403': error('Another unit outside the caller’s jurisdiction'),
      },
    },
    post: {
      summary:
        'Request a usage-list entry (licence type, purpose, service items, masked or full), decided by the management unit through the approval engine; approved, the entry is written. A using unit’s licence_verifier or unit_leader. Optional Idempotency-Key header',
      security: secured,
      parameters: [idempotencyKey],
      requestBody: { required: true, content: json(schema(LicenceUsageRequestBody)) },
      responses: {
        '201': { description: 'The request, pending', content: json(object) },
        '200': { description: 'Same Idempotency-Key: the earlier request', content: json(object) },
        '400': error('Invalid input naming the field'),
        '401': error('Not authenticated'),
        '403': error('Not a using unit’s verifier or leader'),
        '409': error('A request for the type is still pending'),
        '422': error('No approval flow configured'),
        '503': error('The process service is unavailable; nothing was stored'),
      },
    },
  },
  '/api/usage-list-requests/{id}': {
    get: {
      summary: 'One usage-list request with its status and approval',
      security: secured,
      parameters: [idParam('id')],
      responses: {
        '200': { description: 'The request', content: json(object) },
        '401': error('Not authenticated'),
        '403': error('Another unit outside the caller’s jurisdiction'),
        '404': error('No such request'),
      },
    },
  },
};

export const HOLDER_PORTAL_PATHS = {
  '/api/presentation-keys': {
    get: {
      summary:
        'The platform’s ES256 presentation key as a JWK Set (public; verifies 亮证 tokens and status lists offline)',
      responses: { '200': { description: '{keys: [JWK]}', content: json(object) } },
    },
  },
  '/api/presentation-labels': {
    get: {
      summary:
        'The data items’ labels of every published licence type, by type code then item key (public; an offline verifier keeps them with the key, as 亮证 tokens leave them out)',
      responses: { '200': { description: '{labels: {typeCode: {key: label}}}', content: json(object) } },
    },
  },
  '/api/status-lists/{id}': {
    get: {
      summary: 'A Token Status List (draft-ietf-oauth-status-list) as a signed JWT, made now (public)',
      parameters: [idParam('id')],
      responses: {
        '200': {
          description: 'The JWT',
          content: { 'application/statuslist+jwt': { schema: { type: 'string' } } },
        },
        '404': error('No such list'),
      },
    },
  },
  '/api/licenses/{identifier}/presentations': {
    post: {
      summary: '亮证: the holder gets a compact SD-JWT with the chosen items disclosed, its link and QR code',
      security: secured,
      parameters: [identifier],
      requestBody: { required: true, content: json(schema(PresentBody)) },
      responses: {
        '201': { description: '{token, url, qrSvg, expiresAt, disclosed}', content: json(object) },
        '400': error('Unknown items (disclose)'),
        '401': error('Not authenticated'),
        '403': error('Not the holder'),
        '404': error('No such licence'),
      },
    },
  },
  '/api/licenses/{identifier}/access-history': {
    get: {
      summary: 'Who used the licence, when and on what basis (the holder only, LM-20)',
      security: secured,
      parameters: [identifier],
      responses: {
        '200': { description: '{items}', content: items },
        '401': error('Not authenticated'),
        '403': error('Not the holder'),
        '404': error('No such licence'),
      },
    },
  },
  '/api/licenses/{identifier}/consents': {
    get: {
      summary: 'The holder’s consents and share links for the licence',
      security: secured,
      parameters: [identifier],
      responses: {
        '200': { description: '{items}', content: items },
        '401': error('Not authenticated'),
        '403': error('Not the holder'),
        '404': error('No such licence'),
      },
    },
    post: {
      summary:
        'Authorise a using unit, or make a share link, for a purpose and a period, full or masked (LM-16 … LM-18)',
      security: secured,
      parameters: [identifier],
      requestBody: { required: true, content: json(schema(ConsentBody)) },
      responses: {
        '201': { description: '{consent, shareUrl}', content: json(object) },
        '400': error('Invalid input naming the field'),
        '401': error('Not authenticated'),
        '403': error('Not the holder'),
        '404': error('No such licence'),
      },
    },
  },
  '/api/consents/{id}/revoke': {
    post: {
      summary: 'Revoke a consent or share link at once (the holder who gave it)',
      security: secured,
      parameters: [idParam('id')],
      responses: {
        '200': { description: 'The consent', content: json(object) },
        '401': error('Not authenticated'),
        '403': error('Not the holder'),
        '404': error('No such consent'),
      },
    },
  },
  '/api/licence-archives': {
    get: {
      summary: 'The using unit’s archive of licences relied on, with their reports as they were (LM-21)',
      security: secured,
      responses: {
        '200': { description: '{items}', content: items },
        '401': error('Not authenticated'),
        '403': error('Not a using unit’s verifier'),
      },
    },
    post: {
      summary: 'Archive a licence with its verification report (and 亮证 result) to a case (LM-21)',
      security: secured,
      requestBody: { required: true, content: json(schema(ArchiveBody)) },
      responses: {
        '201': { description: 'The archive entry', content: json(object) },
        '400': error('Invalid input naming the field'),
        '401': error('Not authenticated'),
        '403': error('Not a using unit’s verifier, or no access to the licence'),
        '404': error('No such licence'),
      },
    },
  },
  ...USAGE_LIST_PATHS,
};

/**
 * The OpenAPI description of issue 16: 亮证 (WP-(三)3), consents (LM-16 … LM-18), the access history (LM-20), the
 * using unit's archive (LM-21), and the public presentation key and Token Status Lists; spread into api/openapi.ts.
 */
import { ArchiveBody } from './services/licence-archives';
import { ConsentBody } from './services/licence-consents';
import { PresentBody } from './services/presentations';
import { error, idParam, json, schema, secured } from './openapi-parts';

const identifier = idParam('identifier');
const object = { type: 'object' };
const items = json({ type: 'object', properties: { items: { type: 'array', items: object } } });

export const HOLDER_PORTAL_PATHS = {
  '/api/presentation-keys': {
    get: {
      summary:
        'The platform’s ES256 presentation key as a JWK Set (public; verifies 亮证 tokens and status lists offline)',
      responses: { '200': { description: '{keys: [JWK]}', content: json(object) } },
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
};

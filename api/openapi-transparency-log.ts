/** The OpenAPI description of the transparency log (issue 20 Build 1), spread into api/openapi.ts. */
import { error, json, query, secured } from './openapi-parts';

const hex64 = { type: 'string', pattern: '^[0-9a-f]{64}$' };
const size = { type: 'integer', minimum: 0 };

const TREE_HEAD = {
  type: 'object',
  description:
    'A signed tree head: RFC 8785 JSON of {format, treeSize, rootHash, timestamp} (signedContent), signed RSA-SHA256 with the log key whose certificate the platform CA issued',
  properties: {
    treeSize: size,
    rootHash: hex64,
    timestamp: { type: 'string', format: 'date-time' },
    signedContent: { type: 'string' },
    signature: { type: 'string', description: 'Base64' },
    certificatePem: { type: 'string' },
  },
};

export const TRANSPARENCY_LOG_PATHS = {
  '/api/transparency-log/tree-head': {
    get: {
      summary: 'The latest signed tree head of the transparency log (RFC 9162 style); public',
      responses: {
        '200': { description: 'Signed tree head', content: json(TREE_HEAD) },
        '404': error('None yet'),
      },
    },
  },
  '/api/transparency-log/tree-heads': {
    post: {
      summary:
        'Append what waits and sign a tree head now (platform administrators; the Schedule does it at an interval)',
      security: secured,
      responses: {
        '201': { description: 'The new signed tree head', content: json(TREE_HEAD) },
        '202': {
          description:
            "The round goes on past the request's 20 s (a large backlog): the head follows at GET /api/transparency-log/tree-head; asking again joins the same round",
          content: json({
            type: 'object',
            required: ['status', 'waiting', 'message'],
            properties: {
              status: { type: 'string', enum: ['appending', 'signing'] },
              waiting: { ...size, description: 'Entries still waiting to be appended' },
              message: { type: 'string' },
            },
          }),
        },
        '401': error('Not signed in'),
        '403': error('Not a platform administrator'),
        '503': error('The workflow service is unreachable, or the signing service did not sign within 15 s'),
      },
    },
  },
  '/api/transparency-log/proof/inclusion': {
    get: {
      summary:
        'Inclusion proof (RFC 9162 §2.1.3) of a leaf, by its leaf hash, in the tree of a published size; public',
      parameters: [
        { ...query('leafHash', hex64, 'SHA-256(0x00 ‖ leaf), hex'), required: true },
        query('treeSize', size, 'A published tree size (default: the latest)'),
      ],
      responses: {
        '200': {
          description: 'The proof',
          content: json({
            type: 'object',
            properties: { leafIndex: size, treeSize: size, inclusionProof: { type: 'array', items: hex64 } },
          }),
        },
        '400': error('Bad query (field named)'),
        '404': error('No such leaf in that tree, or no signed tree head yet'),
      },
    },
  },
  '/api/transparency-log/proof/consistency': {
    get: {
      summary: 'Consistency proof (RFC 9162 §2.1.4) between two tree sizes; public',
      parameters: [
        { ...query('first', size, 'The earlier size'), required: true },
        { ...query('second', size, 'The later, published size'), required: true },
      ],
      responses: {
        '200': {
          description: 'The proof',
          content: json({
            type: 'object',
            properties: { first: size, second: size, consistencyProof: { type: 'array', items: hex64 } },
          }),
        },
        '400': error('Bad query (field named)'),
        '404': error('No signed tree head yet'),
      },
    },
  },
  '/api/transparency-log/leaves': {
    get: {
      summary: 'The leaves with index in [start, end), at most 1000; public',
      parameters: [
        { ...query('start', size), required: true },
        { ...query('end', size), required: true },
      ],
      responses: {
        '200': {
          description: 'The leaves',
          content: json({
            type: 'object',
            properties: {
              leaves: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    index: size,
                    kind: { type: 'string' },
                    identifier: { type: 'string' },
                    hash: { type: 'string' },
                    time: { type: 'string' },
                    leaf: { type: 'string', description: 'RFC 8785 JSON; SHA-256(0x00 ‖ leaf) is leafHash' },
                    leafHash: hex64,
                  },
                },
              },
            },
          }),
        },
        '400': error('Bad query (field named)'),
      },
    },
  },
};

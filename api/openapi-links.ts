/**
 * What the OpenAPI document adds to every part once they are assembled (api/openapi.ts):
 * - OpenAPI links from the operations that create or list tasks, processes, seals, applications, seal-use
 *   requests, attachments, flow definitions, licence types, licences and calendar years to the operations that
 *   take their ids, so that a client generator, or Schemathesis' stateful phase (test/integration/schemathesis
 *   .test.ts), follows real ids instead of guessing them;
 * - the 401 every secured operation answers without a valid bearer token, and the 400 every operation with a JSON
 *   body answers when the body is not JSON, where a part does not list them itself.
 */
import { PROCESS_ACTION_NAMES, TASK_ACTION_NAMES } from '../domain/approval';
import { error } from './openapi-parts';

type Operation = {
  security?: unknown[];
  requestBody?: { content?: Record<string, unknown> };
  responses: Record<string, { links?: Record<string, unknown> } & Record<string, unknown>>;
};
type Paths = Record<string, Record<string, Operation>>;

/** A JSON pointer to an operation of this document (RFC 6901 escaping of the path). */
const operationRef = (path: string, method: string) =>
  `#/paths/${path.replace(/~/g, '~0').replace(/\//g, '~1')}/${method}`;

type Target = [path: string, method: string, parameter: string, where?: 'path' | 'query'];
interface LinkRule {
  /** The operation and statuses whose response carries the id. */
  from: [path: string, method: string, statuses: string[]];
  /** A runtime expression into the response body, e.g. `$response.body#/items/0/id`. */
  value: string;
  to: Target[];
}

const item = (field: string) => `$response.body#/items/0/${field}`;
const body = (field: string) => `$response.body#/${field}`;
const pathOps = (base: string, suffixes: Array<[suffix: string, method: string]>, param = 'id'): Target[] =>
  suffixes.map(([suffix, method]) => [`${base}${suffix}`, method, param]);

const TASK_TARGETS = pathOps(
  '/api/tasks/{id}',
  TASK_ACTION_NAMES.map((name) => [`/${name}`, 'post']),
);
const PROCESS_TARGETS = pathOps('/api/approvals/{id}', [
  ['', 'get'],
  ...PROCESS_ACTION_NAMES.map((name): [string, string] => [`/${name}`, 'post']),
]);
const SEAL_TARGETS = pathOps('/api/seals/{id}', [
  ['', 'get'],
  ['/imprint', 'get'],
  ['/sign', 'post'],
  ['/signatures', 'get'],
]);
const APPLICATION_TARGETS = pathOps('/api/seal-applications/{id}', [
  ['', 'get'],
  ['/imprint', 'get'],
]);
const FLOW_TARGETS = pathOps('/api/flow-definitions/{id}', [
  ['', 'get'],
  ['/preview', 'get'],
  ['/publish', 'post'],
  ['/restore', 'post'],
]);
const TYPE_TARGETS = pathOps(
  '/api/license-types/{code}',
  [
    ['', 'get'],
    ['/draft', 'put'],
    ['/draft', 'delete'],
    ['/publish', 'post'],
  ],
  'code',
);
const LICENCE_TARGETS = pathOps(
  '/api/licenses/{identifier}',
  [
    ['', 'get'],
    ['/export', 'get'],
    ['/versions', 'get'],
    ['/versions', 'post'],
  ],
  'identifier',
);
const CALENDAR_TARGETS = pathOps(
  '/api/calendar/years/{year}',
  [
    ['', 'get'],
    ['', 'put'],
  ],
  'year',
);

const LINK_RULES: LinkRule[] = [
  { from: ['/api/tasks', 'get', ['200']], value: item('taskId'), to: TASK_TARGETS },
  { from: ['/api/tasks', 'get', ['200']], value: item('processKey'), to: PROCESS_TARGETS },
  {
    from: ['/api/supervision/pending-tasks', 'get', ['200']],
    value: item('processKey'),
    to: PROCESS_TARGETS,
  },
  { from: ['/api/seals', 'get', ['200']], value: item('id'), to: SEAL_TARGETS },
  { from: ['/api/seal-use-authorisations', 'get', ['200']], value: item('sealId'), to: SEAL_TARGETS },
  { from: ['/api/seal-applications', 'get', ['200']], value: item('id'), to: APPLICATION_TARGETS },
  { from: ['/api/seal-applications', 'post', ['200', '201']], value: body('id'), to: APPLICATION_TARGETS },
  { from: ['/api/seal-applications/{id}', 'get', ['200']], value: body('sealId'), to: SEAL_TARGETS },
  {
    from: ['/api/seal-use-requests', 'get', ['200']],
    value: item('id'),
    to: [['/api/seal-use-requests/{id}', 'get', 'id']],
  },
  {
    from: ['/api/seal-use-requests', 'post', ['200', '201']],
    value: body('id'),
    to: [['/api/seal-use-requests/{id}', 'get', 'id']],
  },
  {
    from: ['/api/seal-use-requests', 'post', ['200', '201']],
    value: body('approval/workflowId'),
    to: PROCESS_TARGETS,
  },
  {
    from: ['/api/seal-use-requests/{id}', 'get', ['200']],
    value: body('approval/workflowId'),
    to: PROCESS_TARGETS,
  },
  {
    from: ['/api/attachments', 'post', ['201']],
    value: body('id'),
    to: [['/api/attachments/{id}', 'get', 'id']],
  },
  {
    from: ['/api/me', 'get', ['200']],
    value: body('organisationId'),
    to: [
      ['/api/users', 'get', 'organisationId', 'query'],
      ['/api/licenses/late', 'get', 'organisationId', 'query'],
    ],
  },
  { from: ['/api/flow-definitions', 'get', ['200']], value: item('id'), to: FLOW_TARGETS },
  { from: ['/api/flow-definitions', 'post', ['201']], value: body('id'), to: FLOW_TARGETS },
  { from: ['/api/license-types', 'get', ['200']], value: item('code'), to: TYPE_TARGETS },
  { from: ['/api/license-types', 'post', ['201']], value: body('code'), to: TYPE_TARGETS },
  { from: ['/api/licenses', 'get', ['200']], value: item('identifier'), to: LICENCE_TARGETS },
  { from: ['/api/licenses', 'post', ['200', '201']], value: body('licence/identifier'), to: LICENCE_TARGETS },
  {
    from: ['/api/licenses', 'post', ['200', '201', '202']],
    value: body('issuance/caseId'),
    to: [['/api/licenses/issuances/{caseId}', 'get', 'caseId']],
  },
  { from: ['/api/calendar/years', 'get', ['200']], value: item('year'), to: CALENDAR_TARGETS },
];

/** A link's name: the target's path after /api and its method, e.g. `tasks-id-approve-post`. */
const linkName = (value: string, [path, method]: Target) =>
  `${value.split('#/')[1].replace(/\/0\//, '-').replace(/\//g, '-')}--${path
    .replace(/^\/api\//, '')
    .replace(/[{}]/g, '')
    .replace(/\//g, '-')}-${method}`;

/** Adds the links, the 401 of secured operations and the 400 of JSON bodies to the assembled paths. */
export function completePaths<P extends Paths>(assembled: P): P {
  // The parts share response objects between operations: complete a copy, so that each gets its own links.
  const paths = structuredClone(assembled);
  for (const rule of LINK_RULES) {
    const [path, method, statuses] = rule.from;
    const source = paths[path]?.[method];
    if (!source) throw new Error(`OpenAPI link source ${method.toUpperCase()} ${path} is not documented`);
    for (const status of statuses) {
      const response = source.responses[status];
      if (!response) throw new Error(`OpenAPI link source ${method.toUpperCase()} ${path} has no ${status}`);
      for (const target of rule.to) {
        const [toPath, toMethod, parameter, where = 'path'] = target;
        if (!paths[toPath]?.[toMethod]) {
          throw new Error(`OpenAPI link target ${toMethod.toUpperCase()} ${toPath} is not documented`);
        }
        response.links = {
          ...response.links,
          [linkName(rule.value, target)]: {
            operationRef: operationRef(toPath, toMethod),
            parameters: { [`${where}.${parameter}`]: rule.value },
          },
        };
      }
    }
  }
  for (const operations of Object.values(paths)) {
    for (const operation of Object.values(operations)) {
      if (operation.security && !operation.responses['401']) {
        operation.responses['401'] = error('Not authenticated (no valid bearer token)');
      }
      if (operation.requestBody?.content?.['application/json']) {
        operation.responses['400'] ??= error('The body is not JSON or not of the documented shape');
        // Per-endpoint body limits (JSON_BODY_LIMITS in api/app.ts).
        operation.responses['413'] ??= error('The body is larger than this endpoint accepts');
      }
    }
  }
  // The API operations behind a rate limiter (api/rate-limits.ts, mounted in api/app.ts).
  for (const [path, method] of RATE_LIMITED) {
    const operation = paths[path]?.[method];
    if (!operation) throw new Error(`rate-limited ${method.toUpperCase()} ${path} is not documented`);
    operation.responses['429'] ??= error(
      'Too many requests from this address; Retry-After says when to retry',
    );
  }
  return paths;
}

const RATE_LIMITED: Array<[string, 'post']> = [
  ['/api/verify', 'post'],
  ['/api/auth/dev-login', 'post'],
];

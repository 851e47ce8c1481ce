/**
 * The OpenAPI description of the approval engine (inboxes, task and process actions, supervision, attachments,
 * the staff directory), spread into api/openapi.ts; bodies come from the validating zod schemas in the action
 * table (domain/approval-actions.ts) and api/services/approval-requests.ts. Flow definitions are in
 * api/openapi-flow-definitions.ts.
 */
import { INBOX_KINDS } from '../domain/inbox';
import { ActionName, defOf, PROCESS_ACTION_NAMES, TASK_ACTION_NAMES } from '../domain/approval';
import { INBOX_BOXES } from './services/approval-requests';
import { schema, json, ref, error, idParam, query, secured, list } from './openapi-parts';

const ACTION_ERRORS = {
  '400': error('Malformed action, or one the task does not allow (details name the field); nothing changed'),
  '401': error('Not authenticated'),
  '403': error('Not the holder of the task, beyond the approver’s authority, or a target outside the unit'),
  '404': error('No such task or process'),
  '409': error('The task is no longer pending (decided, cancelled, or another approver was first)'),
};

export const APPROVAL_SCHEMAS = {
  InboxItem: {
    type: 'object',
    properties: {
      taskId: { type: ['string', 'null'] },
      processKey: { type: 'string' },
      caseNumber: { type: ['string', 'null'], description: '办件编号, e.g. YZ-2026-000123' },
      processId: { type: 'string' },
      kind: { type: 'string', enum: [...INBOX_KINDS] },
      title: { type: 'string' },
      stepName: { type: ['string', 'null'] },
      status: { type: 'string' },
      dueAt: { type: ['string', 'null'], format: 'date-time' },
      dueProvisional: { type: 'boolean' },
      suspended: { type: 'boolean', description: 'The step’s clock is suspended (补正 etc.): 已中止' },
      statusLabel: { type: 'string' },
      overdue: { type: 'boolean' },
      timeLeftMs: { type: ['number', 'null'] },
    },
  },
  InAppNotice: {
    type: 'object',
    properties: {
      id: { type: 'string' },
      processKey: { type: 'string' },
      kind: { type: 'string', enum: ['remind', 'suspended', 'resumed'] },
      title: { type: 'string' },
      body: { type: 'string' },
      url: { type: 'string' },
      createdAt: { type: 'string', format: 'date-time' },
      read: { type: 'boolean' },
    },
  },
  ApprovalProcess: {
    type: 'object',
    description:
      'A process: its flow snapshot, tasks (with the actions open to the caller), timeline, CC list, breaches',
    properties: {
      id: { type: 'string' },
      kind: { type: 'string' },
      status: { type: 'string', enum: ['running', 'approved', 'rejected', 'withdrawn'] },
      steps: { type: 'array', items: { type: 'object' } },
      flowNodes: {
        type: 'array',
        items: { type: 'object' },
        description: "The definition's own nodes (conditional gateways unresolved), for drawing the flow",
      },
      currentStep: { type: ['integer', 'null'] },
      gateways: {
        type: 'array',
        description: 'Conditional gateways on the path and the branch each takes (atStep: index in steps)',
        items: { type: 'object' },
      },
      stepDue: { type: ['object', 'null'] },
      tasks: { type: 'array', items: { type: 'object' } },
      history: { type: 'array', items: { type: 'object' } },
      cc: { type: 'array', items: { type: 'object' } },
      breaches: { type: 'array', items: { type: 'object' } },
      actions: { type: 'array', items: { type: 'string' } },
    },
  },
};

/** The action operations, generated from the action table: one path per action and scope. */
const actionPaths = (names: ActionName[], base: string) =>
  Object.fromEntries(
    names.map((name) => {
      const def = defOf(name);
      return [
        `${base}/{id}/${name}`,
        {
          post: {
            summary: def.summary,
            security: secured,
            parameters: [idParam('id')],
            requestBody: { required: !def.body().safeParse({}).success, content: json(schema(def.body())) },
            responses: {
              '200': { description: 'The process after the action', content: json(ref('ApprovalProcess')) },
              ...ACTION_ERRORS,
              ...(def.rateLimited
                ? { '429': error('Urged within the last hour; the message says when next') }
                : {}),
            },
          },
        },
      ];
    }),
  );
const taskActionPaths = actionPaths(TASK_ACTION_NAMES, '/api/tasks');
const processActionPaths = actionPaths(PROCESS_ACTION_NAMES, '/api/approvals');

/** The search and paging every inbox list shares (ListSearchParams). */
const searchParams = [
  query('q', { type: 'string', maxLength: 100 }, 'A keyword in the 办件编号, title, initiator or unit'),
  query('from', { type: 'string', format: 'date' }, 'Started on or after (Asia/Shanghai date)'),
  query('to', { type: 'string', format: 'date' }, 'Started on or before (Asia/Shanghai date)'),
  query('page', { type: 'integer', minimum: 1, maximum: 10000 }),
  query('pageSize', { type: 'integer', minimum: 1, maximum: 500 }, 'Default 20 with a page, else 500'),
];

/** One page of items and how many the whole list has. */
const page = (item: object) =>
  json({
    type: 'object',
    properties: { items: { type: 'array', items: item }, total: { type: 'integer' } },
  });

export const APPROVAL_PATHS = {
  '/api/tasks': {
    get: {
      summary: 'Inboxes: 待办 (pending), 已办 (done), 抄送 (cc), 我发起的 (started)',
      security: secured,
      parameters: [
        query('box', { type: 'string', enum: [...INBOX_BOXES] }, 'Default pending'),
        query('status', { type: 'string', enum: ['pending', 'done'] }, 'Older name for box'),
        query('kind', { type: 'string', enum: [...INBOX_KINDS] }),
        query('unit', { type: 'string' }, "The initiator's organisation id"),
        query('overdue', { type: 'string', enum: ['true', 'false'] }),
        query('dueBefore', { type: 'string', format: 'date-time' }),
        ...searchParams,
      ],
      responses: {
        '200': { description: 'Inbox items', content: page(ref('InboxItem')) },
        '400': error('Bad filter'),
        '401': error('Not authenticated'),
      },
    },
  },
  ...taskActionPaths,
  '/api/approvals/{id}': {
    get: {
      summary: 'A process, for its participants and overseeing units',
      security: secured,
      parameters: [idParam('id')],
      responses: {
        '200': { description: 'The process', content: json(ref('ApprovalProcess')) },
        '403': error('Not a participant'),
        '404': error('Not found'),
      },
    },
  },
  ...processActionPaths,
  '/api/notices': {
    get: {
      summary:
        'The caller’s in-app notices (reminders with the time left, suspensions, resumptions), newest first',
      security: secured,
      parameters: [query('limit', { type: 'integer', minimum: 1, maximum: 100 }, 'Default 50')],
      responses: {
        '200': { description: 'Notices', content: list(ref('InAppNotice')) },
        '400': error('Bad limit (details name the parameter)'),
        '401': error('Not authenticated'),
      },
    },
  },
  '/api/supervision/pending-tasks': {
    get: {
      summary: "A management unit's view: pending tasks in its jurisdiction, least time left first",
      security: secured,
      parameters: [
        query('kind', { type: 'string', enum: [...INBOX_KINDS] }),
        query('unit', { type: 'string' }),
        query('overdue', { type: 'string', enum: ['true', 'false'] }),
        ...searchParams,
      ],
      responses: {
        '200': { description: 'Pending tasks', content: page(ref('InboxItem')) },
        '400': error('Invalid filter (details name the parameter)'),
        '403': error('Not a supervisor of a management unit'),
      },
    },
  },
  '/api/supervision/deadline-breaches': {
    get: {
      summary: 'Deadline breaches recorded in the jurisdiction (LM-28)',
      security: secured,
      responses: {
        '200': { description: 'Breaches', content: list({ type: 'object' }) },
        '403': error('Not a supervisor of a management unit'),
      },
    },
  },
  '/api/attachments': {
    post: {
      summary:
        'Upload an attachment (multipart field `file`, 10 MB, PDF/OFD/PNG/JPEG/TXT/DOCX/XLSX) to go with an action',
      security: secured,
      requestBody: {
        required: true,
        content: {
          'multipart/form-data': {
            schema: { type: 'object', properties: { file: { type: 'string', format: 'binary' } } },
          },
        },
      },
      responses: {
        '201': { description: '{id, fileName, size, sha256, mediaType}' },
        '400': error('No file, too large, or a type not allowed'),
      },
    },
  },
  '/api/attachments/{id}': {
    get: {
      summary: 'Download an attachment (its uploader, or participants of a process it went with)',
      security: secured,
      parameters: [idParam('id')],
      responses: {
        '200': { description: 'The file' },
        '403': error('Not allowed'),
        '404': error('Not found'),
      },
    },
  },
  '/api/users': {
    get: {
      summary: 'Staff directory of one organisation (for transfer, delegate, add-signer and CC pickers)',
      security: secured,
      parameters: [{ name: 'organisationId', in: 'query', required: true, schema: { type: 'string' } }],
      responses: {
        '200': { description: 'Users', content: list({ type: 'object' }) },
        '400': error('organisationId missing or not a single value'),
        '403': error('Not staff of an organisation (holders and systems do not list staff)'),
        '404': error('No such organisation'),
      },
    },
  },
};

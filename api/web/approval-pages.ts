/**
 * An approval process page (zh-CN, `/approvals/:id`): its steps, tasks, timeline and the actions the caller may take,
 * with the task actions (`POST /tasks/:id/:action`) and process actions (`POST /approvals/:id/:action`). Every action
 * goes through ApprovalService, which authorises and audits exactly as for the JSON API; a refusal re-renders the
 * page with the reason in Chinese and nothing changed.
 *
 * The page shows what is being approved (approval-material.ts). Each action is a `<dialog>` with one confirm button,
 * opened by a link (`?action=<id>`: without JavaScript the page comes back with that dialog open in place);
 * /static/approval.js opens the same dialogs as modals. The forms are plain HTML (multipart, so that an attachment
 * can ride along) and are checked by the server, whose errors stand next to their fields. The page prints as a
 * 审批单 (approval-print.ts).
 */
import { Request, Response, Router } from 'express';
import multer from 'multer';
import { z } from 'zod';
import { ActionName, defOf, isOpen, PROCESS_ACTION_NAMES, TASK_ACTION_NAMES } from '../../domain/approval';
import { SUSPENSION_KIND_LABELS, SUSPENSION_KINDS } from '../../domain/approval-clock';
import { shanghaiDateTime } from '../../domain/format';
import { ROLE_LABELS } from '../../domain/roles';
import type { AppContext } from '../context';
import { ApiError, badRequest, FieldProblem, toApiError } from '../errors';
import type { Principal } from '../principal';
import { requestMeta } from '../principal';
import { ApprovalService, ApprovalView, TaskView } from '../services/approvals';
import { DirectoryService, StaffMember } from '../services/directory';
import { ATTACHMENT_MAX_BYTES, storeAttachment } from '../services/attachments';
import { problemsOf } from '../validation';
import { deadlineText as dueText, timeLeftText } from '../../presentation/deadline-text';
import { SUSPENDED_TASK_LABEL } from '../../presentation/approval-labels';
import { flowDiagramSvg } from '../../presentation/flow-diagram';
import { flowDiagramNodes } from '../../presentation/flow-diagram-nodes';
import { pathOfGateways, pathView } from '../../presentation/flow-path';
import { pageWithPendingCount } from './pending-count';
import { approvalMaterial, MaterialSources, sizeText } from './approval-material';
import { signedIn } from './render';

// ---------------------------------------------------------------------------------------------------------------
// Words

const ACTION_UI: Record<ActionName, { label: string; submit: string; danger?: boolean }> = {
  approve: { label: '同意', submit: '确认同意' },
  reject: { label: '驳回', submit: '确认驳回', danger: true },
  transfer: { label: '转办', submit: '确认转办' },
  delegate: { label: '委派', submit: '确认委派' },
  'add-signer': { label: '加签', submit: '确认加签' },
  'remove-signer': { label: '减签', submit: '确认减签' },
  return: { label: '退回', submit: '确认退回', danger: true },
  withdraw: { label: '撤回申请', submit: '确认撤回', danger: true },
  urge: { label: '催办', submit: '发送催办' },
  cc: { label: '抄送', submit: '确认抄送' },
  suspend: { label: '中止计时', submit: '确认中止' },
  resume: { label: '恢复计时', submit: '确认恢复' },
};

const DONE_FLASH: Record<ActionName, string> = {
  approve: '已同意。',
  reject: '已驳回，发起人将收到驳回理由。',
  transfer: '已转办，任务已交给新的办理人。',
  delegate: '已委派。被委派人办理后，任务回到您这里由您决定。',
  'add-signer': '已加签。',
  'remove-signer': '已减签。',
  return: '已退回，所选步骤将重新办理。',
  cc: '已抄送。',
  withdraw: '申请已撤回，流程结束。',
  urge: '已催办，待办人将收到提醒。',
  suspend: '已中止计时，中止期间不计入办理时限。',
  resume: '已恢复计时，已用时间照计。',
};

const FIELD_LABELS: Record<string, string> = {
  comment: '意见',
  reason: '驳回理由',
  to: '接收人',
  signer: '加签人',
  position: '加签方式',
  signerTaskId: '减签人员',
  toStep: '退回到',
  users: '抄送人',
  attachments: '附件',
  signature: '手写签名',
  file: '附件',
  confirm: '确认',
  kind: '中止类型',
  items: '补正材料',
};

const fieldLabel = (field: string) => FIELD_LABELS[field] ?? FIELD_LABELS[field.split('.')[0]!] ?? field;

const STATUS_BADGE: Record<string, string> = {
  running: 'pending',
  approved: 'approved',
  rejected: 'rejected',
  withdrawn: 'withdrawn',
};

// ---------------------------------------------------------------------------------------------------------------
// Approval view for the pages

interface PickUser {
  username: string;
  label: string;
  selected?: boolean;
}

/** Steps with their state and, per step, who holds or held it in its latest round. */
export function stepsOf(view: ApprovalView) {
  const lastStarted = [...view.history].reverse().find((e) => e.action === 'step_started')?.stepIndex;
  const endedAt = view.currentStep ?? lastStarted ?? -1;
  return view.steps.map((s) => {
    const tasks = view.tasks.filter((t) => t.stepIndex === s.index);
    const round = Math.max(0, ...tasks.map((t) => t.round));
    const holders = tasks
      .filter((t) => t.round === round && t.status !== 'transferred' && t.status !== 'cancelled')
      .map((t) => `${holderOf(t)} · ${t.statusLabel}`);
    let state: string;
    let stateLabel: string;
    if (view.status === 'running') {
      state = s.index < endedAt ? 'done' : s.current ? 'current' : 'waiting';
      stateLabel = state === 'done' ? '已通过' : state === 'current' ? '办理中' : '未开始';
      // Issue 10: a suspended step's clock stands still (补正 etc.).
      if (state === 'current' && view.suspension) {
        state = 'current suspended';
        stateLabel = `${SUSPENDED_TASK_LABEL}（${view.suspension.kindLabel}）`;
      }
    } else if (view.status === 'approved') {
      state = 'done';
      stateLabel = '已通过';
    } else {
      state = s.index < endedAt ? 'done' : s.index === endedAt ? 'rejected' : 'waiting';
      stateLabel =
        state === 'done'
          ? '已通过'
          : state === 'rejected'
            ? view.status === 'withdrawn'
              ? '已撤回'
              : '未通过'
            : '未办理';
    }
    return { ...s, number: s.index + 1, state, stateLabel, holders };
  });
}

/** The timeline as people read it: time, label, actor, targets, comment, attachment links. */
export function timelineOf(view: ApprovalView) {
  return view.history
    .filter((e) => e.action !== 'step_started' || e.targets.length > 0)
    .map((e) => ({
      ...e,
      when: shanghaiDateTime(e.at),
      actorText: e.actor
        ? `${e.actor.displayName}${e.actor.organisationName ? `（${e.actor.organisationName}）` : ''}`
        : null,
      ...eventTexts(e),
      // Issue 10: the approver's handwritten signature, a stored PNG served like an attachment.
      signatureUrl: e.signatureId ? `/api/attachments/${encodeURIComponent(e.signatureId)}` : null,
      cssClass: ['rejected', 'returned', 'withdrawn', 'breached', 'auto_rejected'].includes(e.action)
        ? 'rejected'
        : e.action,
      attachments: e.attachments.map((a) => ({
        ...a,
        url: `/api/attachments/${a.id}`,
        sizeText: sizeText(a.size),
      })),
      decision: DECISION_ACTIONS.has(e.action),
    }));
}

/**
 * What people decided and did (and the platform's automatic decisions), as against the platform's own events
 * (steps started, reminders, branches, re-timing): the page lists them apart, the 审批单 prints the decisions.
 */
const DECISION_ACTIONS: ReadonlySet<string> = new Set([
  'submitted',
  'approved',
  'rejected',
  'transferred',
  'delegated',
  'delegate_done',
  'signer_added',
  'signer_removed',
  'returned',
  'withdrawn',
  'urged',
  'cc',
  'suspended',
  'resumed',
  'auto_approved',
  'auto_rejected',
]);

/**
 * What an event says besides its label. Issue 10: a suspension names its kind (补正, 专家评审 …) and its reason and
 * items; a branch taken, its gateway and branch; a reminder or a re-timing, why, and the deadline it concerns.
 */
function eventTexts(e: ApprovalView['history'][number]) {
  const due = e.due
    ? `办理时限 ${dueText(e.due.dueAt)}${e.due.provisional ? '（暂定：所涉年度节假日安排尚未公布）' : ''}${
        e.action === 'breached' ? ' 已过' : ''
      }`
    : null;
  switch (e.action) {
    case 'suspended':
    case 'resumed':
      return {
        targetsText: '',
        detailText: e.targets[0] ? `类型：${e.targets[0]}` : null,
        commentText: e.comment,
      };
    case 'branch_taken':
      return { targetsText: '', detailText: null, commentText: e.comment };
    case 'reminded':
    case 'retimed':
      return { targetsText: e.targets.join('、'), detailText: e.comment, commentText: due };
    default:
      return { targetsText: e.targets.join('、'), detailText: null, commentText: due ?? e.comment };
  }
}

export function approvalSummary(view: ApprovalView) {
  const timeline = timelineOf(view);
  return {
    ...view,
    badge: STATUS_BADGE[view.status] ?? '',
    stepsView: stepsOf(view),
    timeline,
    decisions: timeline.filter((e) => e.decision),
    systemEvents: timeline.filter((e) => !e.decision),
    stepDueText: view.stepDue ? dueText(view.stepDue.dueAt) : null,
    url: `/approvals/${view.id}`,
    path: approvalPath(view),
  };
}

/**
 * 流程预测 (issue 10): the flow drawn with what this process passed, where it is and what is ahead on the path its
 * data gives, and the same in words. Shown open when the flow has branches.
 */
function approvalPath(view: ApprovalView) {
  const lastStarted = [...view.history].reverse().find((e) => e.action === 'step_started')?.stepIndex;
  const decidedBranches: Record<string, 'done' | 'rejected'> = {};
  for (const t of view.tasks) {
    if (t.stepIndex !== view.currentStep || !t.branchKey) continue;
    if (t.status === 'approved') decidedBranches[t.branchKey] ??= 'done';
    if (t.status === 'rejected') decidedBranches[t.branchKey] = 'rejected';
  }
  const path = pathView(view.flowNodes, pathOfGateways(view.flowNodes, view.gateways), {
    status: view.status,
    stepIndex: view.currentStep ?? lastStarted ?? null,
    decidedBranches,
  });
  return {
    ...path,
    running: view.status === 'running',
    open: view.flowNodes.some((n) => n.type === 'condition' || n.type === 'parallel'),
    svg: flowDiagramSvg(flowDiagramNodes(view.kind, view.flowNodes), {
      title: `${view.definition.name}：本申请的审批路线`,
      marks: path.marks,
    }),
  };
}

function taskRow(t: TaskView) {
  const open = isOpen(t);
  return {
    ...t,
    stepNumber: t.stepIndex + 1,
    dueText: open ? dueText(t.dueAt) : '',
    timeLeft: timeLeftText(t.timeLeftMs),
    actedText: t.actedAt && !open ? shanghaiDateTime(t.actedAt) : '',
    open,
    holder: holderOf(t),
  };
}

/** Who holds a task; for a department's task, who of it acted. */
function holderOf(t: TaskView): string {
  return t.assignee.kind === 'group' && t.actedBy && t.actedBy.userId !== 'system'
    ? `${t.actedBy.displayName}（${t.assigneeLabel}）`
    : t.assigneeLabel;
}

interface OpenForm {
  taskId?: string;
  name: string;
  values: Record<string, unknown>;
  /** The server's objections, by form field, shown next to the field. */
  errors?: Record<string, string>;
}

// ---------------------------------------------------------------------------------------------------------------

export function approvalPageRoutes(
  ctx: AppContext,
  approvals: ApprovalService,
  material: MaterialSources,
): Router {
  const router = Router();
  const directory = new DirectoryService(ctx);
  const upload = multer({
    storage: multer.memoryStorage(),
    limits: { fileSize: ATTACHMENT_MAX_BYTES, files: 1, fields: 40 },
  });
  const page = pageWithPendingCount(approvals);

  /** Reads a multipart (or urlencoded) form; an oversized file is a field problem, not a crash. */
  const readForm = (req: Request, res: Response) =>
    new Promise<{ file?: Express.Multer.File; problem?: FieldProblem }>((resolve, reject) =>
      upload.single('file')(req, res, (err: unknown) => {
        if (err instanceof multer.MulterError) {
          resolve({
            problem:
              err.code === 'LIMIT_FILE_SIZE'
                ? { field: 'file', rule: 'max_size', message: '附件不能超过 10 MB' }
                : { field: 'file', rule: err.code, message: err.message },
          });
        } else if (err) {
          reject(err);
        } else {
          // A browser sends an empty part for an empty file input: that is "no file chosen".
          resolve({ file: req.file && req.file.size > 0 ? req.file : undefined });
        }
      }),
    );

  // -------------------------------------------------------------------------------------------------------------
  // A process

  const renderApprovalHtml = async (
    principal: Principal,
    processKey: string,
    req: Request,
    extra: { error?: { title: string; lines: string[] }; open?: OpenForm } = {},
  ): Promise<string> => {
    const view = await approvals.view(principal, processKey);
    const openForm = extra.open;
    // Without JavaScript an action link asks for the page with its dialog open.
    const asked = typeof req.query.action === 'string' ? req.query.action : '';
    const isOpenDialog = (domId: string, taskId: string | undefined, name: string) =>
      openForm ? openForm.taskId === taskId && openForm.name === name : asked === domId;
    const errorsFor = (taskId: string | undefined, name: string) =>
      openForm && openForm.taskId === taskId && openForm.name === name ? (openForm.errors ?? {}) : {};

    const usersOf = new Map<string, StaffMember[]>();
    const unitUsers = async (organisationId: string) => {
      if (!usersOf.has(organisationId))
        usersOf.set(organisationId, await directory.staffOf(principal, organisationId));
      return usersOf.get(organisationId)!;
    };
    const pick = (users: StaffMember[], selected: unknown): PickUser[] =>
      users
        .filter((u) => u.username !== principal.username)
        .map((u) => ({
          username: u.username,
          label: `${u.displayName}（${u.username}）${u.roles.length ? ` · ${u.roles.map((r) => ROLE_LABELS[r] ?? r).join('、')}` : ''}`,
          selected: u.username === selected,
        }));

    const valuesFor = (taskId: string | undefined, name: string) =>
      openForm && openForm.taskId === taskId && openForm.name === name ? openForm.values : {};

    const stepOf = (t: TaskView) =>
      view.steps[t.stepIndex] ?? { signature: 'none' as const, reasonRequired: {} as { approve?: boolean } };
    const panels = [];
    for (const [i, t] of view.tasks.entries()) {
      if (t.actions.length === 0) continue;
      const users = await unitUsers(t.assignee.organisationId);
      const signers = view.tasks
        .filter(
          (s) => s.parentId === t.id && (s.origin === 'add_before' || s.origin === 'add_after') && isOpen(s),
        )
        .map((s) => ({ id: s.id, label: `${s.assigneeLabel}（${s.originLabel}，${s.statusLabel}）` }));
      const earlier = view.steps.filter((s) => s.index < t.stepIndex);
      const actions = t.actions
        .filter((name) => TASK_ACTION_NAMES.includes(name))
        .filter((name) => {
          if (name === 'remove-signer') return signers.length > 0;
          if (name === 'return') return earlier.length > 0;
          if (name === 'transfer' || name === 'delegate' || name === 'add-signer')
            return pick(users, null).length > 0;
          return true;
        })
        .map((name) => {
          const values = valuesFor(t.id, name);
          return {
            name,
            ...ACTION_UI[name],
            formAction: `/tasks/${encodeURIComponent(t.id)}/${name}`,
            domId: `t${i}-${name}`,
            open: isOpenDialog(`t${i}-${name}`, t.id, name),
            errors: errorsFor(t.id, name),
            values,
            is: { [name.replace('-', '_')]: true },
            users: pick(users, name === 'add-signer' ? values.signer : values.to),
            signers: signers.map((s) => ({ ...s, selected: s.id === values.signerTaskId })),
            steps: earlier.map((s) => ({
              key: s.key,
              label: `第 ${s.index + 1} 步：${s.name}`,
              selected: s.key === values.toStep,
            })),
            positionAfter: values.position === 'after',
            // Issue 10: the step's handwritten signature and required approval reason.
            signature:
              name === 'approve' && stepOf(t).signature !== 'none'
                ? { required: stepOf(t).signature === 'required' }
                : null,
            reasonRequired: name === 'approve' && !!stepOf(t).reasonRequired.approve,
            ccUsers: ccInputs(values.users),
            withAttachment: name === 'approve' || name === 'reject' || name === 'return' || name === 'resume',
            suspensionKinds: SUSPENSION_KINDS.map((k) => ({
              value: k,
              label: SUSPENSION_KIND_LABELS[k],
              selected: values.kind === k,
            })),
          };
        });
      if (actions.length === 0) continue;
      panels.push({
        taskId: t.id,
        heading: `第 ${t.stepIndex + 1} 步 · ${view.steps[t.stepIndex]?.name ?? ''}`,
        holder: t.assigneeLabel,
        originLabel: t.originLabel,
        statusLabel: t.statusLabel,
        waiting: t.status === 'waiting',
        dueText: dueText(t.dueAt),
        overdue: t.overdue,
        provisional: t.dueProvisional,
        actions,
      });
    }

    const taskCc = panels.some((p) => p.actions.some((a) => a.name === 'cc'));
    const processActions = view.actions
      .filter((name) => PROCESS_ACTION_NAMES.includes(name))
      // A task holder's 抄送 sits in the task's panel; do not offer it twice.
      .filter((name) => !(name === 'cc' && taskCc))
      .map((name) => {
        const values = valuesFor(undefined, name);
        return {
          name,
          ...ACTION_UI[name],
          formAction: `/approvals/${encodeURIComponent(view.id)}/${name}`,
          domId: `p-${name}`,
          open: isOpenDialog(`p-${name}`, undefined, name),
          errors: errorsFor(undefined, name),
          values,
          is: { [name]: true },
          ccUsers: ccInputs(values.users),
          withAttachment: name === 'resume',
        };
      });

    const needsDirectory = taskCc || processActions.some((a) => a.name === 'cc');
    const ccDirectory = needsDirectory
      ? (await directory.activeAccounts()).map((u) => ({
          username: u.username,
          label: `${u.displayName} · ${u.organisationName}`,
        }))
      : [];

    const summary = approvalSummary(view);
    const currentRound = view.tasks
      .filter((t) => t.stepIndex === view.currentStep)
      .reduce((m, t) => Math.max(m, t.round), 0);
    const currentTasks = view.tasks
      .filter(
        (t) =>
          view.status === 'running' &&
          t.stepIndex === view.currentStep &&
          t.round === currentRound &&
          t.status !== 'cancelled',
      )
      .map((t) => taskRow(t));

    const flashKey = String(req.query.done ?? '');
    const caseNumber = await approvals.caseNumber(view.id);
    return page('approval', {
      material: await approvalMaterial(material, principal, view),
      pageUrl: `/approvals/${encodeURIComponent(view.id)}`,
      title: view.title,
      principal,
      nav: 'tasks',
      view: summary,
      caseNumber,
      currentTasks,
      allTasks: view.tasks.map((t) => taskRow(t)),
      panels,
      processActions,
      directory: ccDirectory,
      error: extra.error,
      flash:
        Object.hasOwn(DONE_FLASH, flashKey) && !extra.error
          ? { kind: 'ok', text: DONE_FLASH[flashKey as ActionName] }
          : undefined,
      isInitiator: view.initiator.userId === principal.userId,
    });
  };

  router.get('/approvals', (_req, res) => res.redirect(303, '/tasks'));

  router.get(
    '/approvals/:id',
    signedIn(async (req, res, principal) => {
      res.send(await renderApprovalHtml(principal, String(req.params.id), req));
    }),
  );

  /**
   * Runs an action: checks the form, stores the attachment (as POST /api/attachments does), calls the service. A
   * refusal (400/403/404/409/422/429) re-renders the process page with the reason and the form still open.
   */
  const act = async (
    req: Request,
    res: Response,
    principal: Principal,
    target: { processKey: string; taskId?: string; name: string },
    form: { values: Record<string, unknown>; file?: Express.Multer.File; problem?: FieldProblem },
    step: {
      /** The body from the form; throws a 400 when it is not valid. */
      body: () => Record<string, unknown>;
      acceptsAttachment: boolean;
      run: (body: Record<string, unknown>) => Promise<ApprovalView>;
    },
  ) => {
    try {
      if (form.problem) throw badRequest([form.problem]);
      const body = step.body();
      if (form.file) {
        if (!step.acceptsAttachment) {
          throw badRequest([{ field: 'file', rule: 'not_allowed', message: '此操作不能附带附件' }]);
        }
        body.attachments = [(await storeAttachment(ctx, principal, form.file, requestMeta(req))).id];
      }
      const view = await step.run(body);
      res.redirect(303, `/approvals/${encodeURIComponent(view.id)}?done=${encodeURIComponent(target.name)}`);
    } catch (err) {
      const apiError = toApiError(err);
      if (![400, 403, 404, 409, 422, 429].includes(apiError.status)) throw err;
      let html: string;
      try {
        html = await renderApprovalHtml(principal, target.processKey, req, {
          error: describeError(apiError),
          open: {
            taskId: target.taskId,
            name: target.name,
            values: form.values,
            errors: fieldErrors(apiError),
          },
        });
      } catch {
        // The caller may not even see the process: the error page says why.
        throw err;
      }
      res.status(apiError.status).send(html);
    }
  };

  /** One form route per action of the table, on tasks and on processes; any other name is a 404. */
  const actionRoute = (name: ActionName, scope: 'task' | 'process') =>
    signedIn(async (req, res, principal) => {
      const id = String(req.params.id);
      const { file, problem } = await readForm(req, res);
      const values = formValues((req.body ?? {}) as Record<string, unknown>);
      const processKey = scope === 'task' ? await approvals.processKeyOfTask(id) : id;
      const schema = defOf(name).body() as z.ZodObject;
      await act(
        req,
        res,
        principal,
        { processKey, taskId: scope === 'task' ? id : undefined, name },
        { values, file, problem },
        {
          body: () => {
            if (name === 'withdraw' && values.confirm !== 'yes') {
              throw badRequest([{ field: 'confirm', rule: 'required', message: '请勾选“确认撤回”后再提交' }]);
            }
            const parsed = schema.safeParse(bodyFromForm(schema, values));
            if (!parsed.success) throw badRequest(problemsOf(parsed.error));
            return parsed.data as Record<string, unknown>;
          },
          acceptsAttachment: 'attachments' in schema.shape,
          run: (body) =>
            approvals.act(
              principal,
              scope === 'task' ? { taskId: id } : { processKey: id },
              name,
              body,
              requestMeta(req),
            ),
        },
      );
    });
  for (const name of TASK_ACTION_NAMES) router.post(`/tasks/:id/${name}`, actionRoute(name, 'task'));
  for (const name of PROCESS_ACTION_NAMES)
    router.post(`/approvals/:id/${name}`, actionRoute(name, 'process'));

  return router;
}

// ---------------------------------------------------------------------------------------------------------------
// Helpers

function formValues(raw: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) {
    out[k] = Array.isArray(v) ? v.map((x) => String(x)) : typeof v === 'string' ? v : String(v ?? '');
  }
  return out;
}

/** CC users from one or more inputs, each holding one username or several separated by commas or spaces. */
function splitUsers(value: unknown): string[] {
  const list = Array.isArray(value) ? value : [value ?? ''];
  return [
    ...new Set(
      list
        .flatMap((v) => String(v).split(/[\s,，、;；]+/))
        .map((s) => s.trim())
        .filter(Boolean),
    ),
  ];
}

/** Three inputs for CC users, prefilled with what was entered. */
function ccInputs(value: unknown): Array<{ value: string }> {
  const users = splitUsers(value);
  return [0, 1, 2].map((i) => ({ value: users[i] ?? '' })).concat(users.slice(3).map((value) => ({ value })));
}

/**
 * An action's body from its form: every field of the action's schema, read from the input of the same name (users
 * from one or more inputs, a signer's position before unless chosen); blank optional fields are left out.
 */
function bodyFromForm(schema: z.ZodObject, v: Record<string, unknown>): Record<string, unknown> {
  const text = (x: unknown) => (typeof x === 'string' ? x.trim() : '');
  const body: Record<string, unknown> = {};
  for (const field of Object.keys(schema.shape)) {
    if (field === 'attachments') continue; // added from the uploaded file
    if (field === 'users') body.users = splitUsers(v.users);
    else if (field === 'position') body.position = text(v.position) || 'before';
    else if (field === 'items') {
      // 补正 items, one per line (issue 10).
      const items = text(v.items)
        .split(/\r?\n/)
        .map((x) => x.trim())
        .filter(Boolean);
      if (items.length) body.items = items;
    } else if (text(v[field]) || !schema.shape[field]!.safeParse(undefined).success)
      body[field] = text(v[field]);
  }
  return body;
}

/** zod's generic wording for the fields a clerk types, said plainly. */
function friendly(p: FieldProblem): string {
  if (p.field === 'reason' && p.rule === 'too_small') return '请填写驳回理由，至少 2 个字';
  if (p.rule === 'too_small' && ['to', 'signer', 'signerTaskId', 'toStep'].includes(p.field)) return '请选择';
  if (p.field === 'users' && p.rule === 'too_small') return '请至少填写一位抄送人';
  const max = p.rule === 'too_big' ? /<=?\s*(\d+)/.exec(p.message)?.[1] : undefined;
  if (max) return `内容过长，最多 ${max} 个字`;
  return p.message;
}

/**
 * An ApiError's objections by form field, for the open dialog: a validation failure's details, or a workflow
 * validator's `field: message` (a step's required reason or signature).
 */
function fieldErrors(e: ApiError): Record<string, string> {
  const out: Record<string, string> = {};
  if (e.code === 'VALIDATION_FAILED') {
    for (const p of (e.details as FieldProblem[] | undefined) ?? []) {
      const field = p.field.split('.')[0]!;
      out[field] ??= friendly(p);
    }
  }
  const prefixed = /^([a-zA-Z]+): (.+)$/.exec(e.message);
  if (prefixed && prefixed[1]! in FIELD_LABELS) out[prefixed[1]!] ??= prefixed[2]!;
  return out;
}

/** An ApiError as a message at the top of the page. */
function describeError(e: ApiError): { title: string; lines: string[] } {
  if (e.code === 'VALIDATION_FAILED') {
    const details = (e.details as FieldProblem[] | undefined) ?? [];
    return {
      title: '未能办理，请修改以下内容后重新提交：',
      lines: details.length
        ? details.map((p) => `${fieldLabel(p.field)}：${friendly(p)}`)
        : [e.message.replace(/^[a-zA-Z.0-9]+: /, '')],
    };
  }
  if (e.code === 'TOO_MANY_REQUESTS') {
    const at = /\d{4}-\d{2}-\d{2}T[0-9:.]+Z/.exec(e.message)?.[0];
    return {
      title: '催办过于频繁：',
      lines: [
        at
          ? `每项待办每小时只能催办一次，请于 ${shanghaiDateTime(at)} 之后再催办。`
          : e.message.replace(/^[a-zA-Z.0-9]+: /, ''),
      ],
    };
  }
  const titles: Record<number, string> = {
    403: '无权办理：',
    404: '未能办理：',
    409: '未能办理，流程状态已变化：',
    422: '未能办理：',
  };
  const lines = [e.message];
  if (e.status === 409) lines.push('页面已刷新为最新状态，请查看后再操作。');
  return { title: titles[e.status] ?? '未能办理：', lines };
}

/**
 * Helpers for tests of the approval engine through the API: save and publish a flow for an organisation, start a
 * process (a seal application), find a person's open task, act on it, and read the process.
 */
import type { FlowStepInput } from '../../domain/flow-definition';
import { applicationBody } from './fixtures';
import { saveAndPublishFlow } from './flows';
import type { HttpResult, TestPlatform } from './platform';

export const ZZ_REVIEWERS = [
  'zz-approval-leader',
  'zz-approval-reviewer',
  'zz-approval-reviewer2',
  'zz-approval-reviewer3',
] as const;

export const step = (key: string, s: Partial<FlowStepInput> = {}): FlowStepInput => ({
  key,
  name: `步骤${key}`,
  approvers: [{ type: 'role', role: 'seal_reviewer', organisationId: 'zz-approval' }],
  mode: 'single',
  ...s,
});

export interface ApprovalHelpers {
  saveFlow(
    steps: FlowStepInput[],
    organisationId?: string,
    kind?: string,
  ): Promise<{ id: string; version: number }>;
  start(as?: string): Promise<{ applicationId: string; key: string }>;
  view(key: string, as?: string): Promise<any>;
  openTaskOf(key: string, username: string): Promise<string>;
  openTasksOf(key: string, username: string): Promise<string[]>;
  act(username: string, taskId: string, action: string, body?: unknown): Promise<HttpResult>;
  approve(username: string, key: string, comment?: string): Promise<HttpResult>;
  waitForStatus(key: string, status: string, as?: string): Promise<any>;
}

export function approvalHelpers(t: TestPlatform): ApprovalHelpers {
  const h: ApprovalHelpers = {
    /** Saves the flow and publishes it, so that the next process of the organisation follows it. */
    saveFlow(steps, organisationId = 'zz-amr', kind = 'seal_application') {
      return saveAndPublishFlow(t, {
        kind,
        name: `测试流程 ${steps.map((s) => s.key).join('-')}`,
        organisationId,
        steps,
      });
    },
    async start(as = 'zz-amr-clerk') {
      const res = await t.call('POST', '/api/seal-applications', { as, body: applicationBody() });
      if (res.status !== 201) throw new Error(`submitting: ${res.status} ${JSON.stringify(res.body)}`);
      return { applicationId: res.body.id, key: res.body.approvalWorkflowId };
    },
    async view(key, as = 'zz-amr-clerk') {
      const res = await t.call('GET', `/api/approvals/${key}`, { as });
      if (res.status !== 200) throw new Error(`view ${key}: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body;
    },
    async openTasksOf(key, username) {
      const res = await t.call('GET', '/api/tasks?box=pending', { as: username });
      if (res.status !== 200) throw new Error(`inbox: ${res.status}`);
      return (res.body.items as Array<{ processKey: string; taskId: string }>)
        .filter((i) => i.processKey === key)
        .map((i) => i.taskId);
    },
    async openTaskOf(key, username) {
      const ids = await h.openTasksOf(key, username);
      if (ids.length !== 1) throw new Error(`${username} has ${ids.length} open tasks in ${key}`);
      return ids[0]!;
    },
    act(username, taskId, action, body = {}) {
      return t.call('POST', `/api/tasks/${taskId}/${action}`, { as: username, body });
    },
    async approve(username, key, comment) {
      const res = await h.act(
        username,
        await h.openTaskOf(key, username),
        'approve',
        comment ? { comment } : {},
      );
      if (res.status !== 200)
        throw new Error(`${username} approving: ${res.status} ${JSON.stringify(res.body)}`);
      return res;
    },
    async waitForStatus(key, status, as = 'zz-amr-clerk') {
      for (let i = 0; i < 100; i++) {
        const v = await h.view(key, as);
        if (v.status === status) return v;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`${key} did not reach ${status}`);
    },
  };
  return h;
}

export { applicationBody };

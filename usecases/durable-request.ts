/**
 * A durable request: the business row is stored (with its audit entry) in one transaction, then its Temporal
 * workflow is started under an id that comes from the row (a business key), so that a retry or a restart finds the
 * same process. If the start fails, the row is removed again and the failure audited: nothing is left half-written
 * (a row without its process would wait forever). A row stored by a server that crashed before the start is an
 * orphan; `resumeOrphans` starts its workflow at the next platform start, once.
 *
 * Idempotency: `findExisting` finds an earlier request under the same key (Idempotency-Key, business case id;
 * `byClientRequest` is the lookup by Idempotency-Key). It is asked before the insert (unless `findFirst` is false)
 * and again when the insert finds the key taken (the same key sent twice at once, or a repeat with `findFirst`
 * false: a unique violation, or `insert` answering false for `insert … on conflict do nothing`). An earlier
 * request found this way gets its process started by `resume` unless it has one (issue 11: a request whose start
 * failed while the database was gone too stays stored; the caller's retry after the 503 must set it going, not
 * only find it).
 *
 * Start and wait in one call (issue 19 Build 3): a request whose caller waits for the process's first answer names
 * an update (`settle`); the workflow is then started with that update in one round trip (update-with-start) instead
 * of a start followed by an update. Whether the workflow was started decides as before: if the call fails or runs
 * out of time without saying so, a plain start under the same id settles it (already started → it exists). The
 * whole attempt has one deadline, `waitMs` + SETTLING_START_MS: with Temporal unreachable the caller gets its 503
 * then, not after the Temporal client's own retries of the plain start (10 attempts, about 20 s) on top.
 */
import { type EntityName, type FilterQuery, UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import {
  type Client,
  type UpdateDefinition,
  WithStartWorkflowOperation,
  type Workflow,
  WorkflowExecutionAlreadyStartedError,
  type WorkflowHandle,
  type WorkflowStartOptions,
} from '@temporalio/client';
import { type AuditEntry, recordAudit } from '../db/audit';
import { workflowStartFailures, workflowStarts } from '../infra/metrics';

/**
 * A standing process that serves no single request (issue 19 Build 3: the delivery relay, one per task queue; issue
 * 20: the transparency log's round an administrator asks for): started under its fixed id by any number of callers
 * at once; a start that finds it running leaves it be and answers its handle, so that the caller can wait for it.
 */
export function ensureStandingWorkflow<W extends Workflow>(
  client: Client,
  workflow: W,
  options: { workflowId: string; taskQueue: string },
): Promise<WorkflowHandle<W>> {
  return client.workflow.start(workflow, {
    ...options,
    workflowIdConflictPolicy: 'USE_EXISTING',
  } as WorkflowStartOptions<W>);
}

/**
 * How long the plain start that settles an update-with-start's unknown outcome may take after the update's wait:
 * the gRPC deadline ends the client's retries of an unreachable server too.
 */
export const SETTLING_START_MS = 4_000;

export interface DurableRequestDeps {
  em: () => EntityManager;
  temporal: Client;
  taskQueue: string;
}

/** An audit entry; the helper sets the outcome. */
export type AuditRecord = Omit<AuditEntry, 'outcome'>;

/** A workflow to start: its function, its id from the business key and its arguments. */
export interface WorkflowStart<W extends Workflow> {
  workflow: W;
  workflowId: string;
  args: Parameters<W>;
}

export interface DurableRequest<W extends Workflow, E> {
  /** The earlier request under the same idempotency key, if any; omitted when the request carries no key. */
  findExisting?: () => Promise<E | null>;
  /**
   * Whether `findExisting` is asked before `prepare` too (the default). A request whose `insert` finds a taken key
   * itself (`on conflict do nothing`) and whose `prepare` refuses nothing can say false: one read fewer for every new
   * request (issue 19); a repeat then finds its earlier request when the insert finds the key taken.
   */
  findFirst?: boolean;
  /**
   * The process of an earlier request found under the key, if it may still lack one (it is still waiting for its
   * process), else null; started unless a workflow with its id exists.
   */
  resume?: (existing: E) => Promise<WorkflowStart<W> | null>;
  /**
   * Runs once no earlier request was found: everything that can refuse the request runs here, before anything is
   * stored, and answers what to store and start.
   */
  prepare: () => Promise<NewRequest<W>>;
}

export interface NewRequest<W extends Workflow> {
  workflow: W;
  workflowId: string;
  args: Parameters<W>;
  /** Inserts the row(s) inside the transaction; false when the key was taken (`on conflict do nothing`). */
  insert: (tx: EntityManager) => Promise<boolean | void>;
  /** Recorded with the insert, outcome `success`. */
  audit: AuditRecord;
  /** Removes what `insert` stored, when the workflow could not be started. */
  undo: (tx: EntityManager) => Promise<unknown>;
  /** Recorded with the undo, outcome `failed`. */
  failureAudit: (error: unknown) => AuditRecord;
  /** The error the caller gets when the workflow could not be started (the API's 503). */
  unavailable: () => Error;
  /**
   * An update (without arguments) the caller waits on: sent with the start, in one round trip, and waited for up
   * to `waitMs`. Its outcome is not returned: the caller reads its row, which the workflow writes first.
   */
  settle?: { update: UpdateDefinition<unknown, []>; waitMs: number };
}

/** `waited`: the workflow was started with the request's `settle` update, which has completed or run out of time. */
export type Submitted<E> = { created: true; waited: boolean } | { created: false; existing: E };

/**
 * Whose Idempotency-Key it is: the scope of the key's unique index, `(applicant_id, client_request_id)` for most
 * requests, `(organisation_id, client_request_id)` for a seal application.
 */
export type ClientRequestScope = { applicantId: string } | { organisationId: string };

/** How to find the rows stored without their workflow, and what to start for each. */
export interface OrphanSearch<O, W extends Workflow> {
  /** Rows still waiting for their process that were stored before `storedBefore`. */
  find: (storedBefore: Date) => Promise<O[]>;
  workflow: W;
  workflowId: (orphan: O) => string;
  /** The workflow's input (the platform's workflows take one). */
  input: (orphan: O) => Promise<NoInfer<Parameters<W>[0]>>;
}

export class DurableRequests {
  constructor(private readonly deps: DurableRequestDeps) {}

  /**
   * The `findExisting` of a request sent with an Idempotency-Key: the earlier row of `entity` stored under the same
   * key in the same scope (read past the identity map, so a row stored meanwhile by another request is seen);
   * undefined when the request carries no key.
   */
  byClientRequest<E extends { clientRequestId: string | null }>(
    entity: EntityName<E>,
    scope: ClientRequestScope,
    key: string | undefined,
  ): (() => Promise<E | null>) | undefined {
    if (!key) return undefined;
    // The scope's column is the entity's own; TypeScript cannot see that through the generic E.
    const where = { ...scope, clientRequestId: key } as unknown as FilterQuery<E>;
    return () => this.deps.em().findOne(entity, where, { disableIdentityMap: true });
  }

  /** Stores the request and starts its workflow; or answers the earlier request under the same key. */
  async submit<W extends Workflow, E>({
    findExisting,
    findFirst = true,
    resume,
    prepare,
  }: DurableRequest<W, E>): Promise<Submitted<E>> {
    // An earlier request under the key: answered, its process started first if it still has none.
    const found = async (existing: E): Promise<Submitted<E>> => {
      const start = await resume?.(existing);
      if (start) await this.start(start);
      return { created: false, existing };
    };
    const earlier = findFirst ? await findExisting?.() : null;
    if (earlier) return found(earlier);
    const request = await prepare();

    let inserted: boolean;
    try {
      inserted = await this.deps.em().transactional(async (tx) => {
        if ((await request.insert(tx)) === false) return false;
        await recordAudit(tx, { ...request.audit, outcome: 'success' });
        return true;
      });
    } catch (err) {
      // The same key sent twice at once: the second finds the first.
      if (!(err instanceof UniqueConstraintViolationException) || !findExisting) throw err;
      const existing = await findExisting();
      if (!existing) throw err;
      return found(existing);
    }
    if (!inserted) {
      const existing = await findExisting?.();
      if (!existing)
        throw new Error(`request ${request.workflowId}: key taken, but no earlier request found`);
      return found(existing);
    }

    try {
      if (request.settle) await this.startAndWait(request, request.settle);
      else await this.start(request);
    } catch (err) {
      // Nothing half-written: without its process the request would wait forever.
      try {
        await this.deps.em().transactional(async (tx) => {
          await request.undo(tx);
          await recordAudit(tx, { ...request.failureAudit(err), outcome: 'failed' });
        });
      } catch {
        // The database is gone too (issue 11): the row stays, still waiting for its process. The caller gets the
        // same 503; its retry under the same key finds the row and starts the process, and so does resumeOrphans.
      }
      throw request.unavailable();
    }
    return { created: true, waited: !!request.settle };
  }

  /**
   * Starts a new request's workflow with its update (update-with-start) and waits up to `waitMs` for the update;
   * throws only when the workflow could not be started, at the latest `waitMs` + SETTLING_START_MS from now.
   */
  private async startAndWait<W extends Workflow>(
    s: WorkflowStart<W>,
    settle: NonNullable<NewRequest<W>['settle']>,
  ): Promise<void> {
    const { temporal } = this.deps;
    const waitUntil = Date.now() + settle.waitMs;
    const workflow = typeof s.workflow === 'string' ? s.workflow : s.workflow.name;
    const operation = new WithStartWorkflowOperation(s.workflow, {
      workflowId: s.workflowId,
      taskQueue: this.deps.taskQueue,
      args: s.args,
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      workflowIdConflictPolicy: 'FAIL',
    } as unknown as ConstructorParameters<typeof WithStartWorkflowOperation<W>>[1]); // as in start()
    try {
      await temporal.withDeadline(waitUntil, () =>
        temporal.workflow.executeUpdateWithStart(settle.update, { startWorkflowOperation: operation }),
      );
      workflowStarts.inc({ workflow });
      return;
    } catch {
      // The update failed or ran out of time (no worker, a slow first step), or the start failed.
    }
    const started = await operation.workflowHandle().then(
      () => true,
      () => false,
    );
    // Unknown (the call broke before the server said): a plain start settles it; the id is the new row's own, so a
    // workflow already there is the one just started.
    const settled = () => temporal.withDeadline(waitUntil + SETTLING_START_MS, () => this.start(s));
    if (started || !(await settled())) workflowStarts.inc({ workflow });
  }

  /** Starts the workflow unless one with its id exists; false when it had one already. */
  async start<W extends Workflow>(s: WorkflowStart<W>): Promise<boolean> {
    const workflow = typeof s.workflow === 'string' ? s.workflow : s.workflow.name;
    try {
      const options = {
        workflowId: s.workflowId,
        taskQueue: this.deps.taskQueue,
        args: s.args,
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
      } as unknown as WorkflowStartOptions<W>; // args is Parameters<W>: TypeScript cannot resolve that for a generic W
      await this.deps.temporal.workflow.start(s.workflow, options);
      workflowStarts.inc({ workflow });
      return true;
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) return false;
      workflowStartFailures.inc({ workflow });
      throw err;
    }
  }

  /**
   * Starts the workflow of every request stored more than `olderThanMs` ago that is still waiting for one (a crash
   * between the insert and the start). The workflow id comes from the row, so a process that exists is never
   * started twice. Answers how many were started.
   */
  async resumeOrphans<O, W extends Workflow>(
    search: OrphanSearch<O, W>,
    olderThanMs = 60_000,
  ): Promise<number> {
    const orphans = await search.find(new Date(Date.now() - olderThanMs));
    let started = 0;
    for (const orphan of orphans) {
      const args = [await search.input(orphan)] as Parameters<W>;
      if (await this.start({ workflow: search.workflow, workflowId: search.workflowId(orphan), args }))
        started++;
    }
    return started;
  }
}

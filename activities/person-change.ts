/**
 * Issue 15 Build 3: a person leaves or moves. The change itself (usecases/person-change.ts, keyed by its id), and
 * the approval processes holding open tasks of the person for a unit they no longer act for. Both idempotent.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { AppUser, Task } from '../db/entities';
import { calendarCacheOf } from '../db/calendar';
import type { Orm } from '../db/orm';
import { applyPersonChange, type PersonChange } from '../usecases/person-change';

export interface PersonChangeActivities {
  applyPersonChange(change: PersonChange): Promise<void>;
  approvalsHoldingTasksOf(req: { userId: string }): Promise<string[]>;
}

export function createPersonChangeActivities(deps: { orm: Orm }): PersonChangeActivities {
  const fork = () => deps.orm.em.fork() as EntityManager;
  return {
    async applyPersonChange(change) {
      const em = fork();
      await applyPersonChange(em, change, await calendarCacheOf(deps.orm).get(em));
    },
    async approvalsHoldingTasksOf({ userId }) {
      const em = fork();
      const person = await em.findOne(AppUser, { id: userId });
      if (!person) return [];
      const tasks = await em.find(Task, {
        assigneeUserId: userId,
        status: { $in: ['pending', 'waiting', 'delegated'] },
      });
      const gone = tasks.filter((t) => !person.active || t.assigneeOrganisationId !== person.organisationId);
      return [...new Set(gone.map((t) => t.workflowId))].sort();
    },
  };
}

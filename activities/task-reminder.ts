/**
 * The engine's reminder (issue 10) for the 待办 tasks of inbox sources other than the engine's own task table
 * (disputes, handed-over seal-use authorisations): the engine's e-mail template `approval-notice` and an in-app
 * notice (站内提醒), as activities/approval.ts sends them. Once per key and holder: a retried activity sends nothing
 * twice.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { InAppNotice } from '../db/approval-entities';
import type { UserRef } from '../domain/approval';
import { timeLeftMs } from '../domain/calendar';
import type { Mailer } from '../mail/mailer';
import { deadlineText, timeLeftText } from '../presentation/deadline-text';
import { sendMailOnce } from './mail';

export const TASK_REMINDER_HEADLINE = '待办任务办理时限提醒';

export interface TaskReminder {
  /** The reminder's key; each holder's e-mail and notice are keyed `<key>:<userId>`. */
  key: string;
  holders: readonly UserRef[];
  headline: string;
  kindLabel: string;
  title: string;
  initiatorName: string;
  organisationName: string;
  stepName: string;
  dueAt: string;
  dueProvisional: boolean;
  /** The workflow's time of the reminder (ISO). */
  at: string;
  processKey: string;
  about: { type: string; id: string };
  /** Where the e-mail's link goes (absolute) and where the in-app notice links (a path). */
  mailUrl: string;
  noticeUrl: string;
}

export async function remindTaskHolders(em: EntityManager, mailer: Mailer, r: TaskReminder): Promise<void> {
  const timeLeft = timeLeftText(timeLeftMs(new Date(r.dueAt), new Date(r.at)));
  for (const holder of r.holders) {
    if (holder.email) {
      await sendMailOnce(em, mailer, {
        idempotencyKey: `${r.key}:${holder.userId}`,
        to: holder.email,
        template: 'approval-notice',
        about: r.about,
        context: {
          recipientName: holder.displayName,
          kindLabel: r.kindLabel,
          headline: r.headline,
          title: r.title,
          initiatorName: r.initiatorName,
          initiatorOrganisation: r.organisationName,
          stepName: r.stepName,
          dueAt: deadlineText(r.dueAt),
          dueProvisional: r.dueProvisional,
          timeLeft,
          url: r.mailUrl,
        },
      });
    }
    await em
      .createQueryBuilder(InAppNotice)
      .insert({
        id: `${r.key}:${holder.userId}`,
        userId: holder.userId,
        processKey: r.processKey,
        kind: 'remind',
        title: `${r.headline}：${r.title}`,
        body: [`${r.stepName}时限 ${deadlineText(r.dueAt)}`, timeLeft].filter(Boolean).join('；'),
        url: r.noticeUrl,
        createdAt: new Date(r.at),
      })
      .onConflict('id')
      .ignore()
      .execute();
  }
}

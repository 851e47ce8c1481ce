/**
 * Sending e-mail exactly once per idempotency key: the key is recorded before the send and marked sent after it;
 * a retried activity finds it sent and stops. A crash between the SMTP hand-over and the mark can repeat a send,
 * which carries the same Message-ID so that mail systems can drop the repeat. Every send is audited here, once per
 * key (`email.send:<key>`), against the record the mail is about: no caller can send a mail the log does not show.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { recordAudit, SYSTEM_ACTOR } from '../db/audit';
import { EmailMessage } from '../db/entities';
import { Mailer, renderMail } from '../mail/mailer';

export interface SendMailRequest {
  idempotencyKey: string;
  to: string;
  template: string;
  context: object;
  /** The record the mail is about, for the audit log (e.g. `{ type: 'licence', id: identifier }`). */
  about: { type: string; id: string };
  /** Extra audit details beside the address and template. */
  details?: Record<string, unknown>;
}

export async function sendMailOnce(
  em: EntityManager,
  mailer: Mailer,
  request: SendMailRequest,
): Promise<'sent' | 'already-sent'> {
  const rendered = renderMail(request.template, request.context);
  const messageId = `<${request.idempotencyKey.replace(/[^A-Za-z0-9.-]/g, '.')}@jincheng.example>`;
  // The key recorded with this attempt counted, in one statement (issue 19 Build 3: one round trip, not three);
  // a key already marked sent returns no row.
  const attempt: Array<{ status: string }> = await em.execute(
    `insert into email_message (id, to_address, subject, template, status, message_id, attempts, created_at)
     values (?, ?, ?, ?, 'pending', ?, 1, ?)
     on conflict (id) do update set attempts = email_message.attempts + 1 where email_message.status <> 'sent'
     returning status`,
    [request.idempotencyKey, request.to, rendered.subject, request.template, messageId, new Date()],
  );
  if (attempt.length === 0) return 'already-sent';
  await mailer.send({ to: request.to, messageId, ...rendered });
  await em.nativeUpdate(EmailMessage, { id: request.idempotencyKey }, { status: 'sent', sentAt: new Date() });
  await recordAudit(em, {
    actor: SYSTEM_ACTOR,
    action: 'email.send',
    targetType: request.about.type,
    targetId: request.about.id,
    outcome: 'success',
    eventKey: `email.send:${request.idempotencyKey}`,
    details: { to: request.to, template: request.template, ...request.details },
  });
  return 'sent';
}

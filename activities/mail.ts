/**
 * Sending e-mail exactly once per idempotency key: the key is recorded before the send and marked sent after it;
 * a retried activity finds it sent and stops. A crash between the SMTP hand-over and the mark can repeat a send,
 * which carries the same Message-ID so that mail systems can drop the repeat. Every send is audited here, once per
 * key (`email.send:<key>`), against the record the mail is about: no caller can send a mail the log does not show.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import pLimit from 'p-limit';
import { recordAudits, SYSTEM_ACTOR } from '../db/audit';
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

/** What became of one request of a batch: sent now, sent before, or the problem of a send that failed. */
export type MailOutcome = 'sent' | 'already-sent' | MailProblem;
export interface MailProblem {
  problem: string;
  error: unknown;
}

export async function sendMailOnce(
  em: EntityManager,
  mailer: Mailer,
  request: SendMailRequest,
): Promise<'sent' | 'already-sent'> {
  return outcomeOfOne(await sendMailsOnce(em, mailer, [request]));
}

/** The outcome of a batch of one: thrown, as its send threw, when it failed. */
export function outcomeOfOne<T>(outcomes: Array<T | MailProblem>): T {
  const outcome = outcomes[0]!;
  if (typeof outcome === 'object' && outcome !== null && 'problem' in outcome) throw outcome.error;
  return outcome as T;
}

/**
 * Several mails, each once per key, in four statements for the batch however many it holds (issue 19: the
 * delivery relay's holder e-mails were four statements each): the keys recorded with this attempt counted (one
 * multi-row upsert; a key already marked sent returns no row), the sends (at most `concurrency` at a time), the
 * ones that went out marked sent (one update) and audited (one multi-row insert). A failed send leaves its key
 * pending and takes nothing from the others. Keys must be distinct within a batch.
 */
export async function sendMailsOnce(
  em: EntityManager,
  mailer: Mailer,
  requests: SendMailRequest[],
  concurrency = 1,
): Promise<MailOutcome[]> {
  if (requests.length === 0) return [];
  const mails = requests.map((request) => ({
    request,
    rendered: renderMail(request.template, request.context),
    messageId: `<${request.idempotencyKey.replace(/[^A-Za-z0-9.-]/g, '.')}@jincheng.example>`,
  }));
  const now = new Date();
  const attempted: Array<{ id: string }> = await em.execute(
    `insert into email_message (id, to_address, subject, template, status, message_id, attempts, created_at)
     values ${mails.map(() => `(?, ?, ?, ?, 'pending', ?, 1, ?)`).join(', ')}
     on conflict (id) do update set attempts = email_message.attempts + 1 where email_message.status <> 'sent'
     returning id`,
    mails.flatMap((m) => [
      m.request.idempotencyKey,
      m.request.to,
      m.rendered.subject,
      m.request.template,
      m.messageId,
      now,
    ]),
  );
  const toSend = new Set(attempted.map((a) => a.id));
  const limit = pLimit(concurrency);
  const outcomes = await Promise.all(
    mails.map((m) =>
      limit(async (): Promise<MailOutcome> => {
        if (!toSend.has(m.request.idempotencyKey)) return 'already-sent';
        try {
          await mailer.send({ to: m.request.to, messageId: m.messageId, ...m.rendered });
          return 'sent';
        } catch (err) {
          return { problem: err instanceof Error ? err.message : String(err), error: err };
        }
      }),
    ),
  );
  const sent = mails.filter((_, i) => outcomes[i] === 'sent').map((m) => m.request);
  if (sent.length === 0) return outcomes;
  await em.execute(`update email_message set status = 'sent', sent_at = ? where id in (?)`, [
    new Date(),
    sent.map((r) => r.idempotencyKey),
  ]);
  await recordAudits(
    em,
    sent.map((r) => ({
      actor: SYSTEM_ACTOR,
      action: 'email.send',
      targetType: r.about.type,
      targetId: r.about.id,
      outcome: 'success' as const,
      eventKey: `email.send:${r.idempotencyKey}`,
      details: { to: r.to, template: r.template, ...r.details },
    })),
  );
  return outcomes;
}

/**
 * Sending e-mail exactly once per idempotency key: the key is recorded before the send and marked sent after it;
 * a retried activity finds it sent and stops. A crash between the SMTP hand-over and the mark can repeat a send,
 * which carries the same Message-ID so that mail systems can drop the repeat.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { EmailMessage } from '../db/entities';
import { Mailer, renderMail } from '../mail/mailer';

export interface SendMailRequest {
  idempotencyKey: string;
  to: string;
  template: string;
  context: object;
}

export async function sendMailOnce(
  em: EntityManager,
  mailer: Mailer,
  request: SendMailRequest,
): Promise<'sent' | 'already-sent'> {
  const rendered = renderMail(request.template, request.context);
  const messageId = `<${request.idempotencyKey.replace(/[^A-Za-z0-9.-]/g, '.')}@jincheng.example>`;
  await em
    .createQueryBuilder(EmailMessage)
    .insert({
      id: request.idempotencyKey,
      toAddress: request.to,
      subject: rendered.subject,
      template: request.template,
      status: 'pending',
      messageId,
      attempts: 0,
      createdAt: new Date(),
    })
    .onConflict('id')
    .ignore()
    .execute();
  const row = await em.findOneOrFail(
    EmailMessage,
    { id: request.idempotencyKey },
    { disableIdentityMap: true },
  );
  if (row.status === 'sent') return 'already-sent';
  await em.nativeUpdate(EmailMessage, { id: row.id }, { attempts: row.attempts + 1 });
  await mailer.send({ to: request.to, messageId, ...rendered });
  await em.nativeUpdate(EmailMessage, { id: row.id }, { status: 'sent', sentAt: new Date() });
  return 'sent';
}

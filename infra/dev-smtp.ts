/**
 * A real SMTP server for development and tests (used when SMTP_URL is unset): accepts every message and keeps it
 * in a mailbox that tests and the dev mail page read.
 */
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { logger } from './logger';

export interface ReceivedMail {
  id: number;
  from: string;
  to: string[];
  subject: string;
  text: string;
  html: string;
  messageId: string;
  receivedAt: Date;
}

export class Mailbox {
  readonly messages: ReceivedMail[] = [];
  private waiters: Array<() => void> = [];

  add(mail: ReceivedMail): void {
    this.messages.push(mail);
    for (const wake of this.waiters.splice(0)) wake();
  }

  /** Resolves with the first message matching `predicate`, waiting for it to arrive. */
  async waitFor(predicate: (m: ReceivedMail) => boolean, timeoutMs = 30_000): Promise<ReceivedMail> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.messages.find(predicate);
      if (found) return found;
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`no matching e-mail within ${timeoutMs} ms (${this.messages.length} received)`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }
}

export interface RunningSmtp {
  url: string;
  port: number;
  mailbox: Mailbox;
  stop(): Promise<void>;
}

/** A dev SMTP server; pass the mailbox of a stopped one to start it again with what it received (tests). */
export async function startDevSmtp(port = 0, mailbox = new Mailbox()): Promise<RunningSmtp> {
  let next = 1;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((parsed) => {
          mailbox.add({
            id: next++,
            from: parsed.from?.text ?? '',
            to: session.envelope.rcptTo.map((r) => r.address),
            subject: parsed.subject ?? '',
            text: parsed.text ?? '',
            html: typeof parsed.html === 'string' ? parsed.html : '',
            messageId: parsed.messageId ?? '',
            receivedAt: new Date(),
          });
          callback();
        })
        .catch((e: Error) => callback(e));
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  // A client that drops its connection mid-session (a killed worker: ECONNRESET) is that session's end, not the
  // server's: smtp-server emits it on the server, where an unheard 'error' would crash the process.
  server.on('error', (err) => logger.warn({ err }, 'dev SMTP connection failed'));
  const address = server.server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  return {
    url: `smtp://127.0.0.1:${actualPort}`,
    port: actualPort,
    mailbox,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

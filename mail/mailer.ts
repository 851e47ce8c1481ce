/** Outgoing e-mail: handlebars templates under templates/mail, sent through nodemailer to SMTP_URL. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import Handlebars from 'handlebars';
import nodemailer from 'nodemailer';

export interface OutgoingMail {
  to: string;
  subject: string;
  html: string;
  text: string;
  /** A stable Message-ID derived from the send's idempotency key, so receivers can discard a repeat. */
  messageId: string;
}

export interface Mailer {
  send(mail: OutgoingMail): Promise<void>;
  close(): void;
}

/**
 * Issue 19 Build 3: mail goes out over a small pool of kept SMTP connections, not a new connection (TCP handshake,
 * EHLO, QUIT) per message: at most this many at once, as many as the delivery relay sends side by side. A URL that
 * sets `pool` itself keeps its own choice.
 */
const SMTP_CONNECTIONS = 8;

function pooled(smtpUrl: string): string {
  const url = new URL(smtpUrl);
  if (url.searchParams.has('pool')) return smtpUrl;
  url.searchParams.set('pool', 'true');
  url.searchParams.set('maxConnections', String(SMTP_CONNECTIONS));
  return url.toString();
}

export function createMailer(smtpUrl: string, from: string): Mailer {
  const transport = nodemailer.createTransport(pooled(smtpUrl));
  return {
    async send(mail) {
      await transport.sendMail({ from, ...mail });
    },
    close: () => transport.close(),
  };
}

const TEMPLATE_DIR = path.join(__dirname, '..', 'templates', 'mail');
const compiled = new Map<string, HandlebarsTemplateDelegate>();

function template(name: string): HandlebarsTemplateDelegate {
  let t = compiled.get(name);
  if (!t) {
    t = Handlebars.compile(readFileSync(path.join(TEMPLATE_DIR, name), 'utf8'), { strict: true });
    compiled.set(name, t);
  }
  return t;
}

/** Renders `<name>.subject.hbs`, `<name>.html.hbs` and `<name>.text.hbs`. */
export function renderMail(name: string, context: object): { subject: string; html: string; text: string } {
  return {
    subject: template(`${name}.subject.hbs`)(context).trim(),
    html: template(`${name}.html.hbs`)(context),
    text: template(`${name}.text.hbs`)(context),
  };
}

/**
 * The embedded mailbox: a real SMTP server (smtp-server) that parses every message it
 * receives (mailparser) and keeps it, plus a small HTTP API to read them back. The shop
 * sends to it over real SMTP by default; `SMTP_URL` points the shop elsewhere.
 */
import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import { type AddressObject, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/** One received message, as the HTTP API returns it. */
export interface ReceivedMail {
  id: number;
  messageId: string | undefined;
  from: string | undefined;
  to: string[];
  subject: string;
  text: string;
  /** `X-Shop-Order` header, set on order confirmations. */
  orderId: string | undefined;
  /** The envelope recipients the SMTP session named (RCPT TO). */
  envelopeTo: string[];
  receivedAt: string;
}

export interface Mailbox {
  /** `smtp://127.0.0.1:<port>`, for nodemailer. */
  readonly smtpUrl: string;
  /** Base URL of the read API: `GET /messages`, `DELETE /messages`. */
  readonly httpUrl: string;
  messages(): ReceivedMail[];
  close(): Promise<void>;
}

/**
 * Starts the mailbox on free ports (or the given ones), on 127.0.0.1.
 *
 * @example
 * const mailbox = await startMailbox();
 * const mailer = nodemailer.createTransport(mailbox.smtpUrl);
 */
export async function startMailbox(
  options: { smtpPort?: number; httpPort?: number } = {},
): Promise<Mailbox> {
  const received: ReceivedMail[] = [];
  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      simpleParser(stream).then(
        (mail) => {
          const orderId = mail.headers.get('x-shop-order');
          received.push({
            id: received.length + 1,
            messageId: mail.messageId,
            from: mail.from?.value[0]?.address,
            to: addresses(mail.to),
            subject: mail.subject ?? '',
            text: mail.text ?? '',
            orderId: typeof orderId === 'string' ? orderId : undefined,
            envelopeTo: session.envelope.rcptTo.map((rcpt) => rcpt.address),
            receivedAt: new Date().toISOString(),
          });
          callback();
        },
        (error: Error) => callback(error),
      );
    },
  });
  await new Promise<void>((resolve, reject) => {
    smtp.server.once('error', reject);
    smtp.listen(options.smtpPort ?? 0, '127.0.0.1', () => resolve());
  });
  const smtpPort = (smtp.server.address() as AddressInfo).port;

  const http = Fastify({ logger: false });
  http.get('/messages', async () => ({ messages: received }));
  http.delete('/messages', async () => {
    const removed = received.splice(0).length;
    return { removed };
  });
  http.get('/healthz', async () => ({ ok: true }));
  const httpUrl = await http.listen({ port: options.httpPort ?? 0, host: '127.0.0.1' });

  return {
    smtpUrl: `smtp://127.0.0.1:${smtpPort}`,
    httpUrl,
    messages: () => [...received],
    async close() {
      await http.close();
      await new Promise<void>((resolve) => smtp.close(() => resolve()));
    },
  };
}

function addresses(field: AddressObject | AddressObject[] | undefined): string[] {
  const objects = field === undefined ? [] : Array.isArray(field) ? field : [field];
  return objects.flatMap((object) =>
    object.value.flatMap((entry) => (entry.address ? [entry.address] : [])),
  );
}

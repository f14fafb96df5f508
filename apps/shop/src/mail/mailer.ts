import nodemailer from 'nodemailer';

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  /** Extra headers, e.g. `X-Shop-Order`. */
  headers?: Record<string, string>;
  /** A stable Message-ID lets a receiving system spot a duplicate delivery. */
  messageId?: string;
}

export interface Mailer {
  send(mail: OutgoingMail): Promise<{ messageId: string; accepted: string[] }>;
  close(): void;
}

/**
 * Sends mail over real SMTP with nodemailer.
 *
 * @example
 * const mailer = createMailer({ url: 'smtp://127.0.0.1:2525', from: 'shop@example.com' });
 * await mailer.send({ to: 'ada@example.com', subject: 'Hi', text: '…' });
 */
export function createMailer(options: { url: string; from: string }): Mailer {
  const transport = nodemailer.createTransport(options.url);
  return {
    async send(mail) {
      const info = await transport.sendMail({
        from: options.from,
        to: mail.to,
        subject: mail.subject,
        text: mail.text,
        ...(mail.headers && { headers: mail.headers }),
        ...(mail.messageId && { messageId: mail.messageId }),
      });
      return {
        messageId: info.messageId,
        accepted: info.accepted.map(String),
      };
    },
    close: () => transport.close(),
  };
}

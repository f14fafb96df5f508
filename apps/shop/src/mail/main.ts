/**
 * Runs the mailbox on its own: `SMTP_PORT=2525 HTTP_PORT=4200 node … src/mail/main.ts`,
 * then `curl 127.0.0.1:4200/messages`.
 */
import { announceReady, intFromEnv, onShutdown } from '../stack/service-process.js';
import { startMailbox } from './mailbox.js';

const mailbox = await startMailbox({
  smtpPort: intFromEnv('SMTP_PORT', 0),
  httpPort: intFromEnv('HTTP_PORT', 0),
});
announceReady({ smtpUrl: mailbox.smtpUrl, httpUrl: mailbox.httpUrl });
onShutdown(() => mailbox.close());

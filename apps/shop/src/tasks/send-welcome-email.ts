import { defineTask } from '@conveyor/core';
import { z } from 'zod';
import { mail } from '../services.js';

/** The guide's first example: a welcome email, sent after the registration has answered. */
export const sendWelcomeEmail = defineTask({
  name: 'shop.sendWelcomeEmail',
  input: z.object({ userId: z.string().min(1), email: z.email(), name: z.string().min(1) }),
  output: z.object({ to: z.string(), messageId: z.string() }),
  queue: 'emails',
  priority: 6,
  index: ['email'],
  retry: { attempts: 5, backoff: { type: 'exponential', delay: 500, maxDelay: 10_000 } },
  timeout: 15_000,
  async run({ userId, email, name }, ctx) {
    const sent = await mail().send({
      to: email,
      subject: `Welcome to the Conveyor shop, ${name}!`,
      text: `Hello ${name},\n\nThank you for registering.\n`,
      messageId: `<welcome-${userId}@shop.conveyor.local>`,
    });
    ctx.logger.info({ to: email, messageId: sent.messageId }, 'welcome email sent');
    return { to: email, messageId: sent.messageId };
  },
});

import { defineTask, NonRetryableError } from '@conveyor/core';
import { z } from 'zod';
import { findAnnouncement } from '../db/announcements.js';
import { database, mail } from '../services.js';

/**
 * One customer's copy of an announcement (`POST /announcements`). The API enqueues one job
 * per customer, a thousand per `enqueueMany` call (the guide's "task batching"), each keyed
 * by the announcement and the address, so that a retried request emails nobody twice.
 */
export const sendAnnouncement = defineTask({
  name: 'shop.sendAnnouncement',
  input: z.object({ announcementId: z.string().min(1), email: z.email(), name: z.string().min(1) }),
  output: z.object({ to: z.string(), messageId: z.string() }),
  queue: 'emails',
  // Behind everything a customer or the staff waits on: confirmations 8, welcomes 6, the
  // stock report 3.
  priority: 2,
  // The guide's "result expiry": an announcement makes a job per customer, and nobody reads
  // their results after the day they went out. Kept an hour, not the default 24 h.
  resultTtl: 3_600_000,
  retry: { attempts: 5, backoff: { type: 'exponential', delay: 1_000, maxDelay: 30_000 } },
  timeout: 15_000,
  async run({ announcementId, email, name }, ctx) {
    const announcement = await findAnnouncement(database(), announcementId);
    if (!announcement) {
      // Written before its jobs were enqueued: a missing row is a wiped database, not a race.
      throw new NonRetryableError(
        `No announcement ${JSON.stringify(announcementId)} in shop.announcements`,
      );
    }
    const sent = await mail().send({
      to: email,
      subject: announcement.subject,
      text: `Hello ${name},\n\n${announcement.body}\n`,
      headers: { 'X-Shop-Announcement': announcementId },
      // Stable per customer: a second delivery of this job can be spotted as a duplicate.
      messageId: `<${announcementId}-${encodeURIComponent(email)}@shop.conveyor.local>`,
    });
    ctx.logger.info({ to: email, announcementId }, 'announcement sent');
    return { to: email, messageId: sent.messageId };
  },
});

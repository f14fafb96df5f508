/** The demo's step for the guide's batching and result expiry: one announcement to all. */
import type { AnnouncementRun } from '../stack/announce.js';
import { sendAnnouncement } from '../tasks/send-announcement.js';

/** Writes the announcement run; returns what is wrong with it (empty when it is right). */
export function printAnnouncement(run: AnnouncementRun, write: (line: string) => void): string[] {
  const { first, replay, mail } = run;
  const calls = first.batches === 1 ? '1 enqueueMany call' : `${first.batches} enqueueMany calls`;
  write(`\nAn announcement to every customer (task batching, result expiry):`);
  write(
    `  POST /announcements "${run.subject}" → 202: ${first.recipients} customers, ${first.enqueued} jobs in ${calls} (up to 1,000 jobs per call)`,
  );
  const problems: string[] = [];
  const addresses = new Set(mail.flatMap((message) => message.to));
  write(`  the mailbox received ${mail.length} copies, for ${addresses.size} addresses`);
  if (mail.length !== first.recipients || addresses.size !== first.recipients) {
    problems.push(
      `announcement ${first.announcementId}: ${mail.length} copies for ${addresses.size} addresses, ${first.recipients} customers`,
    );
  }
  write(
    `  sent again with the same Idempotency-Key → ${replay.enqueued} new jobs (${replay.alreadyEnqueued} found already enqueued, by their keys)`,
  );
  if (replay.enqueued !== 0 || replay.alreadyEnqueued !== first.recipients) {
    problems.push(
      `the replayed announcement enqueued ${replay.enqueued} jobs and found ${replay.alreadyEnqueued} of ${first.recipients}`,
    );
  }
  const hours = (sendAnnouncement.resultTtl ?? 0) / 3_600_000;
  write(`  each job's record is kept ${hours} h after it ends (resultTtl), not the default 24 h`);
  return problems;
}

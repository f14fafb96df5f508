/**
 * `POST /announcements`: an email to every customer, sent by workers. The request stores
 * the announcement, then enqueues one job per customer, a thousand per `enqueueMany` call,
 * each keyed by the announcement and the address. A request sent again with the same
 * `Idempotency-Key` (its answer lost, or a 503 half-way) enqueues only the jobs not
 * stored before: nobody gets the announcement twice.
 */
import { createHash, randomBytes } from 'node:crypto';
import { TransportClosedError, TransportError } from '@conveyor/core';
import {
  type BasicAuthCredentials,
  createAuthThrottle,
  TooManyAttemptsError,
} from '@conveyor/dashboard';
import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import { customerPage, insertAnnouncement } from '../db/announcements.js';
import { sendAnnouncementContract } from '../generated/client.js';
import type { ShopStubs } from '../producer.js';
import { ADMIN_CHALLENGE, hasCredentials } from './basic-auth.js';
import { announcementBody, idempotencyKeyHeader, validationIssues } from './schemas.js';

/** Customers read, and jobs enqueued, per `enqueueMany` call: the client's default batch. */
export const ANNOUNCEMENT_BATCH = 1_000;

/**
 * How long a request with an announcement's key may send it again: under the client's
 * dedupe window (24 h), within which its jobs' keys find the jobs stored before.
 */
const REPLAY_WINDOW_MS = 23 * 3_600_000;

/**
 * One customer's job key: the announcement and the address in lower case, or a hash of it
 * when the key would pass the 256 characters an idempotency key may have.
 */
export function jobKey(announcementId: string, email: string): string {
  // One customer per address whatever its case, as customerPage reads them.
  const address = email.toLowerCase();
  const key = `${announcementId}:${address}`;
  if (key.length <= 256) return key;
  return `${announcementId}:sha256:${createHash('sha256').update(address).digest('base64url')}`;
}

/** What `POST /announcements` answers (202). */
export interface AnnouncementReply {
  announcementId: string;
  /** Customers at the time of the request: one job each. */
  recipients: number;
  /** Jobs this request stored. */
  enqueued: number;
  /** Jobs an earlier request with the same key had stored already. */
  alreadyEnqueued: number;
  /** `enqueueMany` calls made, one per {@link ANNOUNCEMENT_BATCH} customers. */
  batches: number;
  /** Customers whose stored address or name the task's input schema refuses: no job, logged. */
  skipped: number;
  replayed?: true;
}

export function registerAnnouncements(
  app: FastifyInstance,
  options: {
    db: pg.Pool;
    tasks: ShopStubs;
    credentials: BasicAuthCredentials;
    /** Customers per `enqueueMany` call; default {@link ANNOUNCEMENT_BATCH}. */
    batchSize?: number | undefined;
  },
): void {
  const { db, tasks, credentials, batchSize = ANNOUNCEMENT_BATCH } = options;
  // /admin's guard against password guessing: this route checks the same password.
  const throttle = createAuthThrottle();
  app.post('/announcements', async (request, reply) => {
    try {
      throttle.check(request.ip);
    } catch (error) {
      if (!(error instanceof TooManyAttemptsError)) throw error;
      return reply
        .code(429)
        .header('retry-after', String(error.retryAfterSeconds))
        .send({ error: 'too_many_requests', message: error.message });
    }
    if (!hasCredentials(request.headers.authorization, credentials)) {
      throttle.failed(request.ip);
      return reply.code(401).header('www-authenticate', ADMIN_CHALLENGE).send({
        error: 'unauthorized',
        message:
          'POST /announcements is for the shop staff: send the /admin user and password (basic auth).',
      });
    }
    throttle.succeeded(request.ip);
    const parsed = announcementBody.safeParse(request.body);
    if (!parsed.success) {
      return reply
        .code(400)
        .send({ error: 'invalid_announcement', issues: validationIssues(parsed.error) });
    }
    const header = idempotencyKeyHeader.safeParse(request.headers['idempotency-key']);
    if (!header.success) {
      return reply.code(400).send({
        error: 'invalid_idempotency_key',
        message:
          'An announcement goes to every customer: send an Idempotency-Key header (1–255 printable characters), so that a retried request emails nobody twice.',
        issues: validationIssues(header.error).map((issue) => ({
          ...issue,
          path: 'Idempotency-Key',
        })),
      });
    }
    const { announcement, created } = await insertAnnouncement(db, {
      id: `ann_${randomBytes(6).toString('hex')}`,
      ...parsed.data,
      idempotencyKey: header.data,
    });
    if (
      !created &&
      (announcement.subject !== parsed.data.subject || announcement.body !== parsed.data.body)
    ) {
      return reply.code(422).send({
        error: 'idempotency_key_reused',
        message: `Idempotency-Key ${JSON.stringify(header.data)} belongs to announcement ${announcement.id}, sent with another subject or body: send a new key for a new announcement.`,
      });
    }
    if (!created && Date.now() - announcement.createdAt > REPLAY_WINDOW_MS) {
      return reply.code(409).send({
        error: 'announcement_too_old',
        announcementId: announcement.id,
        message: `Announcement ${announcement.id} was made at ${new Date(announcement.createdAt).toISOString()}: its jobs' keys hold for 24 h, so sending it again now could email customers twice. It is not sent again; send a new Idempotency-Key to send it anew.`,
      });
    }
    const counts = { recipients: 0, enqueued: 0, alreadyEnqueued: 0, batches: 0, skipped: 0 };
    let after: string | null = null;
    for (;;) {
      const page = await customerPage(db, after, batchSize);
      if (page.length === 0) break;
      after = page[page.length - 1]?.key ?? null;
      // A row the task would refuse (an address or name stored by other means) failed the
      // whole announcement with a 500 at its page: it is left out and logged instead.
      const inputs = [];
      for (const { email, name } of page) {
        const input = { announcementId: announcement.id, email, name };
        if (sendAnnouncementContract.input.safeParse(input).success) inputs.push(input);
        else {
          counts.skipped += 1;
          request.log.warn(
            { announcementId: announcement.id, email, name },
            "customer skipped: its stored address or name fails the announcement task's input schema; correct the row to include it next time",
          );
        }
      }
      if (inputs.length === 0) {
        if (page.length < batchSize) break;
        continue;
      }
      let jobs: Awaited<ReturnType<typeof tasks.sendAnnouncement.enqueueMany>>;
      try {
        // One transport call for the page; each job keyed by the announcement and the address.
        jobs = await tasks.sendAnnouncement.enqueueMany(inputs, {
          idempotencyKey: (input) => jobKey(input.announcementId, input.email),
        });
      } catch (error) {
        if (!(error instanceof TransportError || error instanceof TransportClosedError))
          throw error;
        return reply
          .code(503)
          .header('retry-after', '5')
          .send({
            error: 'queue_unavailable',
            announcementId: announcement.id,
            ...counts,
            message: `Announcement ${announcement.id} reached ${counts.recipients} customers before the task queue failed (${error.message.replace(/\.+$/, '')}). Retry this request with the same Idempotency-Key (${JSON.stringify(header.data)}): it enqueues the rest, and nobody twice.`,
          });
      }
      counts.batches += 1;
      counts.recipients += jobs.length;
      for (const job of jobs) {
        if (job.duplicate) counts.alreadyEnqueued += 1;
        else counts.enqueued += 1;
      }
      if (page.length < batchSize) break;
    }
    const body: AnnouncementReply = {
      announcementId: announcement.id,
      ...counts,
      ...(!created && { replayed: true as const }),
    };
    return reply.code(202).send(body);
  });
}

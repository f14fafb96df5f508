/** `POST /announcements` from outside, as the staff would send it, and its mail read back. */
import { randomUUID } from 'node:crypto';
import type { AnnouncementReply } from '../api/announcements.js';
import type { ReceivedMail } from '../mail/mailbox.js';
import { getJson, postJson } from './http.js';
import type { Stack } from './stack.js';

const POLL_MS = 100;

/** `POST /announcements` with the `/admin` credentials and `key` as its Idempotency-Key. */
export async function announce(
  stack: Stack,
  announcement: { subject: string; body: string },
  key: string,
): Promise<{ status: number; body: AnnouncementReply & { error?: string; message?: string } }> {
  const { username, password } = stack.admin;
  const { status, body } = await postJson<AnnouncementReply & { error?: string }>(
    `${stack.apiUrl}/announcements`,
    announcement,
    {
      authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`,
      'idempotency-key': key,
    },
  );
  return { status, body };
}

/** The mail of one announcement in the mailbox: each copy's Message-ID starts with its id. */
export function announcementMail(
  messages: readonly ReceivedMail[],
  announcementId: string,
): ReceivedMail[] {
  return messages.filter((message) => message.messageId?.startsWith(`<${announcementId}-`));
}

/**
 * Reads the mailbox until `count` copies of the announcement arrived (or more: a duplicate
 * would show), then returns them; throws after `timeoutMs` with how many came.
 */
export async function waitForAnnouncementMail(
  stack: Stack,
  announcementId: string,
  count: number,
  timeoutMs: number,
): Promise<ReceivedMail[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { messages } = await getJson<{ messages: ReceivedMail[] }>(
      `${stack.mailboxUrl}/messages`,
    );
    const mail = announcementMail(messages, announcementId);
    if (mail.length >= count) return mail;
    if (Date.now() >= deadline) {
      throw new Error(
        `${mail.length} of ${count} copies of announcement ${announcementId} arrived within ${timeoutMs} ms`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** The demo's announcement: the first request, its copies in the mailbox, and a replay. */
export interface AnnouncementRun {
  subject: string;
  first: AnnouncementReply;
  mail: ReceivedMail[];
  /** The same request again, with the same Idempotency-Key. */
  replay: AnnouncementReply;
}

/**
 * Sends an announcement to every customer, waits for its copies in the mailbox, then sends
 * the same request again (a client that lost the answer) and returns the three.
 */
export async function runAnnouncement(stack: Stack, timeoutMs: number): Promise<AnnouncementRun> {
  const subject = 'Winter teas are in';
  const request = { subject, body: 'Twelve new teas arrived today. Happy brewing!' };
  const key = `announcement-${randomUUID()}`;
  const first = await announce(stack, request, key);
  if (first.status !== 202) {
    throw new Error(`POST /announcements answered ${first.status}: ${JSON.stringify(first.body)}`);
  }
  const { announcementId, recipients } = first.body;
  const mail = await waitForAnnouncementMail(stack, announcementId, recipients, timeoutMs);
  const replay = await announce(stack, request, key);
  if (replay.status !== 202) {
    throw new Error(
      `POST /announcements again answered ${replay.status}: ${JSON.stringify(replay.body)}`,
    );
  }
  return { subject, first: first.body, mail, replay: replay.body };
}

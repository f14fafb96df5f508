import os from 'node:os';
import { AUDIT_LIMITS, type AuditEntryInput } from '@conveyor/core';
import type { Connection } from './connection.js';
import type { Io } from './output.js';
import { terminalText } from './terminal-text.js';

/**
 * Who the CLI's audit entries name: `cli:<user>@<host>`, or `cli:` and `CONVEYOR_ACTOR`
 * where that is set (a deploy script, a shared operator account).
 */
export function cliActor(env: NodeJS.ProcessEnv): string {
  const named = env.CONVEYOR_ACTOR?.trim();
  if (named) return `cli:${named}`;
  let user = env.USER ?? env.LOGNAME;
  try {
    user ??= os.userInfo().username;
  } catch {
    // No passwd entry (a container's arbitrary uid): the host alone.
  }
  return `cli:${user ?? 'unknown'}@${os.hostname()}`;
}

/**
 * Writes what a command did to the transport's audit log, the one the dashboard shows (its
 * Audit page, and each job's page), so an action taken from a shell is on record beside one
 * taken in the browser. More job ids than one entry holds (`AUDIT_LIMITS.jobIds`) go in
 * several entries, so that every job's own trail lists the action. The action has happened:
 * a log the transport lacks, or a write that fails, is a warning on stderr, not a failed
 * command.
 */
export async function recordAction(
  connection: Connection,
  entry: Omit<AuditEntryInput, 'actor'>,
  io: Io,
): Promise<void> {
  const admin = connection.admin;
  if (!admin) return;
  const actor = cliActor(io.env);
  const { jobIds } = entry;
  const parts: Array<Omit<AuditEntryInput, 'actor'>> = [];
  if (jobIds === undefined || jobIds.length <= AUDIT_LIMITS.jobIds) parts.push(entry);
  else {
    for (let from = 0; from < jobIds.length; from += AUDIT_LIMITS.jobIds) {
      parts.push({ ...entry, jobIds: jobIds.slice(from, from + AUDIT_LIMITS.jobIds) });
    }
  }
  try {
    for (const part of parts) await admin.appendAudit({ ...part, actor });
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    io.stderr(
      `warning: ${entry.action} was done, but not written to the audit log: ${terminalText(reason ?? '')}`,
    );
  }
}

import type { AuditEntry, AuditEntryInput } from '@conveyor/core';
import type { DashboardCore, RequestContext } from '../context.js';
import { intParam, optionalString } from '../http/params.js';
import type { Route } from '../http/router.js';

/** Appends an audit entry for a mutation this request made. */
export async function audit(
  core: DashboardCore,
  context: RequestContext,
  entry: Omit<AuditEntryInput, 'actor'>,
): Promise<AuditEntry> {
  return core.admin.appendAudit({ ...entry, actor: await context.actor() });
}

/** An audit entry as it leaves the server: its detail goes through the redactor. */
export function auditView(core: DashboardCore, entry: AuditEntry): AuditEntry {
  return entry.detail === undefined
    ? entry
    : { ...entry, detail: core.redactor.apply(entry.detail) };
}

export function auditRoutes(core: DashboardCore): Route<RequestContext>[] {
  return [
    {
      method: 'GET',
      path: '/api/audit',
      async handle({ url }) {
        const query = url.searchParams;
        const jobId = optionalString(query.get('jobId'), 'jobId');
        const after = optionalString(query.get('after'), 'after');
        const limit = intParam(query.get('limit'), 'limit', { min: 1, max: 1000, fallback: 100 });
        const entries = await core.admin.listAudit({ jobId, after, limit });
        return { entries: entries.map((entry) => auditView(core, entry)) };
      },
    },
  ];
}

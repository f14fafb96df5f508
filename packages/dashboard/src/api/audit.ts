import type { AuditEntry, AuditEntryInput } from '@conveyor/core';
import type { DashboardCore, RequestContext } from '../context.js';
import { badRequest } from '../errors.js';
import { intParam, optionalString } from '../http/params.js';
import type { Route } from '../http/router.js';
import { AUDIT_PAGE_LIMITS, readAuditNewestFirst } from './audit-newest.js';

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
        const order = query.get('order') || 'oldest';
        const jobId = optionalString(query.get('jobId'), 'jobId');
        const after = optionalString(query.get('after'), 'after');
        if (order === 'newest') {
          if (after !== undefined) {
            throw badRequest('after', after, 'no after with order=newest (page with before)');
          }
          const before = optionalString(query.get('before'), 'before', 200);
          const limit = intParam(query.get('limit'), 'limit', AUDIT_PAGE_LIMITS);
          const page = await readAuditNewestFirst(core, { jobId, before, limit });
          return { ...page, entries: page.entries.map((entry) => auditView(core, entry)) };
        }
        if (order !== 'oldest') throw badRequest('order', order, 'oldest or newest');
        if (query.get('before')) {
          throw badRequest('before', query.get('before'), 'before only with order=newest');
        }
        const limit = intParam(query.get('limit'), 'limit', { min: 1, max: 1000, fallback: 100 });
        const entries = await core.admin.listAudit({ jobId, after, limit });
        return { entries: entries.map((entry) => auditView(core, entry)) };
      },
    },
  ];
}

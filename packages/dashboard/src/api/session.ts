import type { DashboardCore, RequestContext } from '../context.js';
import type { Route } from '../http/router.js';
import { version } from '../version.js';

/** What the UI reads first: who it is talking as, and the CSRF token for its mutations. */
export interface SessionInfo {
  access: 'read' | 'write';
  readOnly: boolean;
  csrf: string;
  transport: string;
  title: string;
  basePath: string;
  version: string;
}

export function sessionRoutes(core: DashboardCore): Route<RequestContext>[] {
  return [
    {
      method: 'GET',
      path: '/api/session',
      async handle({ principal, session }): Promise<SessionInfo> {
        return {
          access: principal.access,
          readOnly: core.options.readOnly,
          csrf: session.csrf,
          transport: core.transport.name,
          title: core.options.title,
          basePath: core.options.basePath,
          version: version(),
        };
      },
    },
  ];
}

import type {
  Transport,
  TransportAdmin,
  TransportMetrics,
  TransportSchedules,
} from '@conveyor/core';
import type { Principal } from './auth.js';
import type { ResolvedOptions } from './options.js';
import type { Redactor } from './redact.js';
import type { Session } from './session.js';

/** What every route reads through: the transport's capabilities, the options, the redactor. */
export interface DashboardCore {
  options: ResolvedOptions;
  transport: Transport;
  admin: TransportAdmin;
  /** Absent when the transport has no `metrics` capability: no charts. */
  metrics: TransportMetrics | undefined;
  /** Absent when the transport has no `schedules` capability: no schedules page. */
  schedules: TransportSchedules | undefined;
  redactor: Redactor;
  /** Milliseconds since the epoch. */
  now(): number;
}

/** One authenticated request, as a route handler sees it. */
export interface RequestContext {
  request: Request;
  url: URL;
  principal: Principal;
  session: Session;
  /** The JSON body (`{}` when empty); `BAD_REQUEST` when not JSON, `PAYLOAD_TOO_LARGE` over the limit. */
  readJson(): Promise<unknown>;
  /** Who the audit log names for this request. */
  actor(): Promise<string>;
}

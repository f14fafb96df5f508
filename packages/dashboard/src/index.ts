/**
 * @conveyor/dashboard: a web UI and JSON API over a transport's `admin` capability.
 */

export {
  type FastifyLike,
  type FastifyReplyLike,
  type FastifyRequestLike,
  type FastifyScopeLike,
  type RegisterFastifyOptions,
  registerFastify,
} from './adapters/fastify.js';
export { type NodeHandler, type NodeHandlerOptions, toNodeHandler } from './adapters/node.js';
export {
  type AuthThrottle,
  type AuthThrottleOptions,
  createAuthThrottle,
  TooManyAttemptsError,
} from './auth-throttle.js';
export { parseBasicAuth } from './credentials.js';
export { createDashboard, type Dashboard, type DashboardRequestInfo } from './dashboard.js';
export { DashboardError, type DashboardErrorCode } from './errors.js';
export { SESSION_COOKIE } from './http/cookies.js';
export { CONTENT_SECURITY_POLICY } from './http/headers.js';
export {
  type BasicAuthCredentials,
  type DashboardAccess,
  type DashboardOptions,
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_REDACT,
  LOOPBACK_HOSTS,
} from './options.js';
export { createRedactor, REDACTED, type Redactor } from './redact.js';
export { markedRedactPaths } from './redact-schema.js';
export { CSRF_HEADER } from './session.js';

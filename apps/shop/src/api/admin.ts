/**
 * The shop's operations page: Conveyor's dashboard at `/admin`, behind basic auth. The
 * credentials come from `SHOP_ADMIN_AUTH=user:password`; without it a random password is
 * made for the run (the demo prints it), so the page is never open.
 */
import { randomBytes } from 'node:crypto';
import type { Transport } from '@conveyor/core';
import {
  type BasicAuthCredentials,
  createDashboard,
  parseBasicAuth,
  registerFastify,
} from '@conveyor/dashboard';
import type { FastifyInstance } from 'fastify';
import { ShopConfigError } from '../services.js';

export const ADMIN_PATH = '/admin';
export const ADMIN_AUTH_ENV = 'SHOP_ADMIN_AUTH';

export interface AdminCredentials extends BasicAuthCredentials {
  /** Made up for this run, because `SHOP_ADMIN_AUTH` was not set. */
  generated: boolean;
}

/**
 * The `/admin` credentials: `SHOP_ADMIN_AUTH` (`user:password`, split at the first colon),
 * else user `admin` with a random password.
 *
 * @example
 * const admin = adminCredentials(process.env);
 * if (admin.generated) console.log(`/admin: admin / ${admin.password}`);
 */
export function adminCredentials(env: NodeJS.ProcessEnv = process.env): AdminCredentials {
  const value = env[ADMIN_AUTH_ENV];
  if (value === undefined || value === '') {
    return { username: 'admin', password: randomBytes(12).toString('base64url'), generated: true };
  }
  let credentials: BasicAuthCredentials;
  try {
    credentials = parseBasicAuth(value, ADMIN_AUTH_ENV);
  } catch (error) {
    throw new ShopConfigError(
      `${(error as Error).message} Or unset ${ADMIN_AUTH_ENV} for a random password.`,
    );
  }
  const { username, password } = credentials;
  return { username, password, generated: false };
}

/** `user:password`, as `SHOP_ADMIN_AUTH` takes it (to hand the credentials to a child process). */
export function formatAdminAuth(credentials: BasicAuthCredentials): string {
  return `${credentials.username}:${credentials.password}`;
}

/**
 * Serves the dashboard at `/admin` on the API, closed with it. It reads the queues through
 * `transport` (its admin capability) and redacts no shop field: orders carry no secrets.
 */
export function mountAdmin(
  app: FastifyInstance,
  transport: Transport,
  credentials: BasicAuthCredentials,
): void {
  const dashboard = createDashboard({
    transport,
    auth: { username: credentials.username, password: credentials.password },
    basePath: ADMIN_PATH,
    title: 'Conveyor shop',
  });
  registerFastify(app, dashboard);
  app.addHook('onClose', () => dashboard.close());
}

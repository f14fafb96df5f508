import { DashboardError } from './errors.js';
import type { BasicAuthCredentials } from './options.js';

/**
 * Parses `user:password`, split at the first colon so that the password may hold colons, as
 * `conveyor dashboard --auth` and `CONVEYOR_DASHBOARD_AUTH` take it. Throws `INVALID_OPTION`
 * naming `source` when there is no colon or either part is empty, quoting the value with its
 * password masked (`:****`), and only the length of one with no colon, which may be a
 * password alone: the message goes to terminals and CI logs.
 *
 * @example
 * const auth = parseBasicAuth(process.env.DASHBOARD_AUTH ?? '', 'DASHBOARD_AUTH');
 * createDashboard({ transport, auth });
 */
export function parseBasicAuth(value: string, source: string): BasicAuthCredentials {
  const colon = value.indexOf(':');
  const username = colon < 0 ? '' : value.slice(0, colon);
  const password = colon < 0 ? '' : value.slice(colon + 1);
  if (colon >= 0 && username !== '' && password !== '') return { username, password };
  const why =
    colon < 0
      ? 'it has no ":"'
      : username === ''
        ? 'the user name is empty'
        : 'the password is empty';
  const shown =
    colon < 0
      ? `(a value of ${value.length} character${value.length === 1 ? '' : 's'})`
      : JSON.stringify(`${username}:${password === '' ? '' : '****'}`);
  throw new DashboardError(
    'INVALID_OPTION',
    `Invalid ${source} ${shown}: ${why}. Expected user:password, e.g. ops:s3cret (the user name without ":", neither part empty).`,
  );
}

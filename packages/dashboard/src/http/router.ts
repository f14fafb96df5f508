import { DashboardError, quote } from '../errors.js';

export type Method = 'GET' | 'POST';

/**
 * A route: a method and a path such as `/api/jobs/:id/retry` (`:name` matches one segment).
 * Every POST is a mutation: it needs write access, a CSRF token and a same-origin `Origin`,
 * and a read-only dashboard answers it with 405.
 */
export interface Route<C> {
  method: Method;
  path: string;
  handle(context: C, params: Readonly<Record<string, string>>): Promise<unknown>;
}

export type RouteMatch<C> =
  | { kind: 'found'; route: Route<C>; params: Record<string, string> }
  | { kind: 'wrong-method'; allow: Method[] }
  | { kind: 'none' };

/**
 * Matches `segments` (the path after the base path, split on `/` and URI-decoded) against
 * the routes. A path served for another method answers 405 with `Allow`.
 */
export function createRouter<C>(routes: readonly Route<C>[]) {
  const compiled = routes.map((route) => ({ route, parts: route.path.split('/').filter(Boolean) }));

  return function match(method: string, segments: readonly string[]): RouteMatch<C> {
    const allow: Method[] = [];
    for (const { route, parts } of compiled) {
      if (parts.length !== segments.length) continue;
      const params: Record<string, string> = {};
      let matched = true;
      for (let i = 0; i < parts.length; i++) {
        const part = parts[i] as string;
        const segment = segments[i] as string;
        if (part.startsWith(':')) params[part.slice(1)] = segment;
        else if (part !== segment) {
          matched = false;
          break;
        }
      }
      if (!matched) continue;
      if (route.method === method || (method === 'HEAD' && route.method === 'GET')) {
        return { kind: 'found', route, params };
      }
      allow.push(route.method);
    }
    return allow.length > 0 ? { kind: 'wrong-method', allow } : { kind: 'none' };
  };
}

/**
 * The path below `basePath`, split into URI-decoded segments; null when the path is not
 * under it. `/admin` and `/admin/` are both the root (`[]`).
 */
export function pathSegments(pathname: string, basePath: string): string[] | null {
  let rest: string;
  if (basePath === '') rest = pathname;
  else if (pathname === basePath) rest = '/';
  else if (pathname.startsWith(`${basePath}/`)) rest = pathname.slice(basePath.length);
  else return null;
  const raw = rest.split('/').filter((segment) => segment !== '');
  try {
    return raw.map((segment) => decodeURIComponent(segment));
  } catch {
    throw new DashboardError(
      'BAD_REQUEST',
      `Malformed percent-encoding in path ${quote(pathname)}.`,
    );
  }
}

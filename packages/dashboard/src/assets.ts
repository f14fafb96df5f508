import { gzipSync } from 'node:zlib';
import { UI_ASSETS } from './ui.gen.js';

const gzipped = new Map<string, Uint8Array>();

function gzipOf(name: string, body: string): Uint8Array {
  let zipped = gzipped.get(name);
  if (!zipped) {
    zipped = new Uint8Array(gzipSync(body, { level: 9 }));
    gzipped.set(name, zipped);
  }
  return zipped;
}

/**
 * Serves a UI asset. A request naming the current hash (`?v=<hash>`, as the shell links
 * them) is cached for a year (`immutable`): a new build has a new hash, so a new URL.
 * Gzipped when the client accepts it. Null for an unknown asset.
 */
export function assetResponse(request: Request, name: string): Response | null {
  if (!Object.hasOwn(UI_ASSETS, name)) return null;
  const asset = UI_ASSETS[name];
  if (!asset) return null;
  const headers = new Headers({
    'content-type': asset.type,
    etag: `"${asset.hash}"`,
    vary: 'accept-encoding',
  });
  const version = new URL(request.url).searchParams.get('v');
  headers.set(
    'cache-control',
    version === asset.hash ? 'public, max-age=31536000, immutable' : 'no-cache',
  );
  if (request.headers.get('if-none-match') === `"${asset.hash}"`) {
    return new Response(null, { status: 304, headers });
  }
  const head = request.method === 'HEAD';
  if (/\bgzip\b/.test(request.headers.get('accept-encoding') ?? '')) {
    headers.set('content-encoding', 'gzip');
    return new Response(head ? null : gzipOf(name, asset.body), { headers });
  }
  return new Response(head ? null : asset.body, { headers });
}

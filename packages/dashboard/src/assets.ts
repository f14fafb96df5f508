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
 * them) is cached for a year (`immutable`), by the browser only (`private`): a new build has
 * a new hash, so a new URL. Any other `?v=` is revalidated each time (`no-cache`).
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
  // Only the one URL the shell links is immutable: `?v=` of another build (or twice) is not
  // this body for good. Private: every asset is behind the dashboard's authentication, so a
  // shared cache must not keep it and hand it to whoever asks.
  const versions = new URL(request.url).searchParams.getAll('v');
  headers.set(
    'cache-control',
    versions.length === 1 && versions[0] === asset.hash
      ? 'private, max-age=31536000, immutable'
      : 'private, no-cache',
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

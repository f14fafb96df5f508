import { UI_ASSETS } from './ui.gen.js';

/** Escapes text for an HTML attribute value or text node. */
export function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

export interface ShellMeta {
  basePath: string;
  title: string;
  csrf: string;
  access: 'read' | 'write';
  readOnly: boolean;
}

function assetUrl(basePath: string, name: string): string {
  const hash = UI_ASSETS[name]?.hash ?? '';
  return `${basePath}/assets/${name}?v=${encodeURIComponent(hash)}`;
}

/**
 * The one HTML document every page serves; the UI routes by `location.pathname`. It holds
 * no job data and no inline script or style (the CSP forbids both): only what the UI needs
 * to start, in meta tags.
 */
export function renderShell(meta: ShellMeta): string {
  const attr = escapeHtml;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(meta.title)}</title>
<meta name="conveyor-base" content="${attr(meta.basePath)}">
<meta name="conveyor-csrf" content="${attr(meta.csrf)}">
<meta name="conveyor-access" content="${meta.access}">
<meta name="conveyor-read-only" content="${meta.readOnly ? 'true' : 'false'}">
<meta name="conveyor-title" content="${attr(meta.title)}">
<link rel="icon" type="image/svg+xml" href="${attr(assetUrl(meta.basePath, 'icon.svg'))}">
<link rel="stylesheet" href="${attr(assetUrl(meta.basePath, 'app.css'))}">
<script type="module" src="${attr(assetUrl(meta.basePath, 'app.js'))}"></script>
</head>
<body>
<div id="app"></div>
</body>
</html>
`;
}

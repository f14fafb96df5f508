/** What the server told the page in its <meta> tags: where it is mounted and what it may do. */
export interface UiConfig {
  /** The dashboard's mount path, '' or e.g. '/admin' (no trailing slash). */
  base: string;
  /** Sent as `x-conveyor-csrf` with every POST. */
  csrf: string;
  access: 'read' | 'write';
  readOnly: boolean;
  /** The dashboard's title (`createDashboard({ title })`), for the document title. */
  title: string;
}

function meta(name: string): string {
  return document.querySelector<HTMLMetaElement>(`meta[name="${name}"]`)?.content ?? '';
}

/** Reads the shell's meta tags once. */
export function readConfig(): UiConfig {
  const base = meta('conveyor-base').replace(/\/+$/, '');
  return {
    base,
    csrf: meta('conveyor-csrf'),
    access: meta('conveyor-access') === 'write' ? 'write' : 'read',
    readOnly: meta('conveyor-read-only') === 'true',
    title: meta('conveyor-title') || 'Conveyor',
  };
}

export const config: UiConfig = readConfig();

/** True when the page may show mutation buttons. */
export function canWrite(): boolean {
  return config.access === 'write' && !config.readOnly;
}

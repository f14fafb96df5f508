/**
 * Why a server could not listen, and what to pass instead: `portFlag` and `hostFlag` are
 * the command's options (`--port`, `--metrics-port`). Node's own text ("listen EADDRINUSE:
 * address already in use :::9464") names neither.
 */
export function listenFailure(
  error: NodeJS.ErrnoException,
  host: string,
  portFlag: string,
  hostFlag: string,
): string {
  switch (error.code) {
    case 'EADDRINUSE':
      return `the port is in use (EADDRINUSE): pass another ${portFlag} (0 takes a free one), or stop what listens there.`;
    case 'EACCES':
      return `the port needs privileges (EACCES): pass a ${portFlag} above 1023.`;
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
      return `no interface on this machine has the address ${JSON.stringify(host)} (${error.code}): check ${hostFlag}.`;
    default:
      return error.message;
  }
}

import net from 'node:net';

/**
 * A TCP proxy in front of a Redis server that can lose one reply: armed with a marker, it
 * passes on the first command whose bytes hold the marker, then swallows the server's next
 * reply on that connection and cuts both sides, as a network reset between a script and its
 * reply does. Redis has run the command; its client never hears so. ioredis then reconnects
 * (through the proxy again) and, on its command connection, re-sends what was unanswered.
 */
export interface ReplyLossProxy {
  /** `redis://127.0.0.1:<port>` of the proxy. */
  readonly url: string;
  /** Arms the proxy; resolves once a reply to a command holding `marker` was lost. */
  loseReplyTo(marker: string): Promise<void>;
  /**
   * From now on the server's replies go nowhere and no connection is cut: a server that
   * took the connection and stopped answering (paused, half-open). `false` undoes it.
   */
  silence(silent?: boolean): void;
  /** Cuts every connection and stops listening. */
  close(): Promise<void>;
}

export async function startReplyLossProxy(target: URL): Promise<ReplyLossProxy> {
  let armed: { marker: Buffer; lost: () => void } | undefined;
  let silent = false;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port), target.hostname);
    sockets.add(client).add(upstream);
    let dropping: (() => void) | undefined;
    const cut = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('data', (chunk) => {
      if (armed && !dropping && chunk.includes(armed.marker)) {
        dropping = armed.lost;
        armed = undefined;
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      if (silent) return;
      if (dropping) {
        cut();
        dropping();
        return;
      }
      client.write(chunk);
    });
    for (const socket of [client, upstream]) {
      socket.on('error', cut);
      socket.on('close', () => {
        sockets.delete(socket);
        cut();
      });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `redis://127.0.0.1:${port}`,
    loseReplyTo(marker) {
      return new Promise<void>((lost) => {
        armed = { marker: Buffer.from(marker), lost };
      });
    },
    silence(on = true) {
      silent = on;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * Serves one PGlite instance to many Postgres clients over TCP.
 *
 * PGlite has a single backend, so connections must take turns. They take turns by
 * whole protocol exchanges: a client's messages are buffered up to a Sync (extended
 * protocol) or a Query (simple protocol) and run as one unit, so another client's
 * Parse can never land between this one's Parse and Bind. While a client has a
 * transaction open, only that client's units run; the others wait. A client that
 * disconnects inside a transaction has it rolled back.
 *
 * (pglite-socket's multiplexer interleaves single messages, which breaks concurrent
 * parameterised queries from different connections with "unnamed prepared statement
 * does not exist"; hence this small server.)
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { PGlite } from '@electric-sql/pglite';

const SSL_REQUEST = 80877103;
const GSS_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;
/** Message types after which a client waits for the server: the end of one exchange. */
const EXCHANGE_END = new Set(['S', 'Q', 'H']);

interface Unit {
  connection: number;
  bytes: Uint8Array;
  reply(data: Uint8Array): void;
}

export interface WireServer {
  readonly port: number;
  close(): Promise<void>;
}

export async function serveOverTcp(
  db: PGlite,
  options: { port?: number } = {},
): Promise<WireServer> {
  const queue: Unit[] = [];
  let running = false;
  /** The connection whose transaction is open, if any. */
  let owner: number | undefined;
  let nextId = 1;
  const sockets = new Set<Socket>();

  const pump = async () => {
    if (running) return;
    running = true;
    try {
      for (;;) {
        const index =
          owner === undefined ? 0 : queue.findIndex((unit) => unit.connection === owner);
        const unit = index === -1 ? undefined : queue.splice(index, 1)[0];
        if (!unit) break;
        const reply = await db.execProtocolRaw(unit.bytes).catch(() => new Uint8Array());
        owner = db.isInTransaction() ? unit.connection : undefined;
        unit.reply(reply);
      }
    } finally {
      running = false;
    }
  };

  const server: Server = createServer((socket) => {
    const connection = nextId++;
    sockets.add(socket);
    let buffer = Buffer.alloc(0);
    let pending: Buffer[] = [];
    let started = false;
    const submit = (bytes: Buffer) => {
      queue.push({
        connection,
        bytes: new Uint8Array(bytes),
        reply: (data) => {
          if (data.length > 0 && !socket.destroyed) socket.write(data);
        },
      });
      void pump();
    };
    socket.on('data', (chunk) => {
      buffer = Buffer.concat([buffer, chunk]);
      for (;;) {
        if (!started) {
          if (buffer.length < 8) return;
          const length = buffer.readInt32BE(0);
          if (buffer.length < length) return;
          const code = buffer.readInt32BE(4);
          const message = buffer.subarray(0, length);
          buffer = buffer.subarray(length);
          if (code === SSL_REQUEST || code === GSS_REQUEST) {
            socket.write('N');
          } else if (code === CANCEL_REQUEST) {
            socket.end(); // PGlite has no backend process to signal
            return;
          } else {
            started = true;
            submit(message);
          }
          continue;
        }
        if (buffer.length < 5) return;
        const length = 1 + buffer.readInt32BE(1);
        if (buffer.length < length) return;
        const type = String.fromCharCode(buffer[0] ?? 0);
        const message = buffer.subarray(0, length);
        buffer = buffer.subarray(length);
        if (type === 'X') {
          socket.end();
          return;
        }
        pending.push(message);
        if (EXCHANGE_END.has(type)) {
          submit(Buffer.concat(pending));
          pending = [];
        }
      }
    });
    const drop = () => {
      sockets.delete(socket);
      for (let index = queue.length - 1; index >= 0; index -= 1) {
        if (queue[index]?.connection === connection) queue.splice(index, 1);
      }
      if (owner === connection) {
        // Queue the rollback as this connection's last unit so it runs before anyone else's.
        queue.unshift({
          connection,
          bytes: simpleQuery('ROLLBACK'),
          reply: () => {},
        });
        void pump();
      }
    };
    socket.on('close', drop);
    socket.on('error', () => socket.destroy());
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    port,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function simpleQuery(sql: string): Uint8Array {
  const text = Buffer.from(`${sql}\0`);
  const message = Buffer.alloc(5 + text.length);
  message.write('Q', 0);
  message.writeInt32BE(4 + text.length, 1);
  text.copy(message, 5);
  return new Uint8Array(message);
}

// The sandbox's one way out: rehearse accepts the command's connections (on the listening socket
// the namespace holder opened inside the namespace, or on a Unix socket in the sandbox's private
// directory) and relays each one, byte for byte, to the real scratch database. It runs in
// rehearse's own process, outside the namespace, so it can reach the database wherever it is.
import net from 'node:net';
import type { DatabaseAddress } from './types.ts';

export class DatabaseRelay {
  readonly #servers = new Set<net.Server>();
  readonly #sockets = new Set<net.Socket>();
  #lastError: string | undefined;

  constructor(readonly database: DatabaseAddress) {}

  /** Why the last connection to the database failed, if one did (for messages: the command only sees the connection close). */
  get lastError(): string | undefined {
    return this.#lastError;
  }

  /** Relays every connection accepted on `server` (already listening). */
  serve(server: net.Server): void {
    this.#servers.add(server);
    server.on('connection', (client) => this.#relay(client));
    // A listener of a closed sandbox must not crash rehearse.
    server.on('error', (error) => (this.#lastError = `the relay's listening socket failed: ${error.message}`));
    server.unref();
  }

  /** Listens on the Unix socket `path` and relays what it accepts. */
  async listenUnix(path: string): Promise<void> {
    const server = net.createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.serve(server);
  }

  /** Stops listening and cuts every relayed connection. */
  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await Promise.all([...this.#servers].map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
    this.#servers.clear();
  }

  #relay(client: net.Socket): void {
    const upstream = 'socketPath' in this.database ? net.connect({ path: this.database.socketPath }) : net.connect({ host: this.database.host, port: this.database.port });
    for (const socket of [client, upstream]) {
      this.#sockets.add(socket);
      // Database protocols are request/response in small messages: no Nagle delay on either hop.
      socket.setNoDelay(true);
      socket.once('close', () => {
        this.#sockets.delete(socket);
        client.destroy();
        upstream.destroy();
      });
    }
    client.on('error', () => upstream.destroy());
    upstream.on('error', (error) => {
      this.#lastError = `cannot reach the database at ${describeAddress(this.database)}: ${error.message}`;
      client.destroy();
    });
    client.pipe(upstream);
    upstream.pipe(client);
  }
}

export function describeAddress(address: DatabaseAddress): string {
  return 'socketPath' in address ? address.socketPath : `${address.host}:${address.port}`;
}

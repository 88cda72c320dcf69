import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * How the proxy treats each new connection:
 * pass: forwards to the S3 server; reset: closes it at once (a gateway that is down or crashing);
 * stall: accepts and never answers (a hung gateway: the client's timeout must fire);
 * http503: answers every request with an S3 `503 ServiceUnavailable` error.
 */
export type FaultMode = 'pass' | 'reset' | 'stall' | 'http503';

const SERVICE_UNAVAILABLE =
  '<?xml version="1.0" encoding="UTF-8"?><Error><Code>ServiceUnavailable</Code><Message>injected by the test</Message></Error>';

/** A TCP proxy in front of the S3 server that injects faults, for tests of the receiver's storage path. */
export class FaultProxy {
  mode: FaultMode = 'pass';
  readonly connections = { total: 0, faulted: 0 };
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(target: string): Promise<FaultProxy> {
    const { hostname, port } = new URL(target);
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const proxy = new FaultProxy(server, `http://127.0.0.1:${(server.address() as { port: number }).port}`);
    server.on('connection', (client) => proxy.accept(client, hostname, Number(port)));
    return proxy;
  }

  /** Changes the mode for new connections and drops open ones, so no kept-alive connection slips past. */
  setMode(mode: FaultMode): void {
    this.mode = mode;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
  }

  async close(): Promise<void> {
    this.setMode('reset');
    await new Promise((resolve) => this.server.close(resolve));
  }

  private accept(client: Socket, host: string, port: number): void {
    this.connections.total++;
    this.track(client);
    client.on('error', () => client.destroy());
    if (this.mode !== 'pass') this.connections.faulted++;
    switch (this.mode) {
      case 'reset':
        client.resetAndDestroy();
        return;
      case 'stall':
        client.resume(); // read and drop whatever is sent; never answer
        return;
      case 'http503': {
        let head = '';
        client.on('data', (chunk: Buffer) => {
          head += chunk.toString('latin1');
          if (!head.includes('\r\n\r\n')) return;
          client.end(
            `HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/xml\r\nContent-Length: ${SERVICE_UNAVAILABLE.length}\r\nConnection: close\r\n\r\n${SERVICE_UNAVAILABLE}`,
          );
        });
        return;
      }
      case 'pass': {
        const upstream = connect(port, host);
        this.track(upstream);
        upstream.on('error', () => client.destroy());
        client.on('close', () => upstream.destroy());
        upstream.on('close', () => client.destroy());
        client.pipe(upstream);
        upstream.pipe(client);
      }
    }
  }

  private track(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
  }
}

import { connect, createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * A loopback TCP proxy that delays every chunk by `latencyMs` (changeable while connections are
 * open), for "Redis is slow" faults: the app connects to the proxy, the proxy to the real server.
 * Delays keep each direction's byte order; a chunk never overtakes an earlier one.
 */
export class LatencyProxy {
  /** Added to every chunk in each direction, so a round trip gains twice this. */
  latencyMs = 0;
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    private readonly targetPort: number,
  ) {}

  static async start(targetPort: number): Promise<LatencyProxy> {
    const server = createServer();
    const proxy = new LatencyProxy(server, targetPort);
    server.on('connection', (client) => proxy.accept(client));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Connections open through the proxy right now (client and server side each count). */
  get openSockets(): number {
    return this.sockets.size;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    const upstream = connect(this.targetPort, '127.0.0.1');
    for (const socket of [client, upstream]) {
      this.sockets.add(socket);
      socket.setNoDelay(true);
      socket.on('close', () => {
        this.sockets.delete(socket);
        client.destroy();
        upstream.destroy();
      });
      socket.on('error', () => socket.destroy());
    }
    this.pipeDelayed(client, upstream);
    this.pipeDelayed(upstream, client);
  }

  private pipeDelayed(from: Socket, to: Socket): void {
    let releaseAt = 0;
    from.on('data', (chunk: Buffer) => {
      // Never before an earlier chunk of the same direction, even if latency was just lowered.
      releaseAt = Math.max(Date.now() + this.latencyMs, releaseAt);
      const wait = releaseAt - Date.now();
      if (wait <= 0) return void (to.destroyed || to.write(chunk));
      setTimeout(() => to.destroyed || to.write(chunk), wait);
    });
  }
}

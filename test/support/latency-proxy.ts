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
    // One queue and one timer per direction: timers of different durations due in the same
    // millisecond may fire in any order, so a chunk per timer could overtake an earlier one.
    const queue: { at: number; chunk: Buffer }[] = [];
    let timer: NodeJS.Timeout | undefined;
    const drain = () => {
      timer = undefined;
      while (queue.length > 0 && queue[0].at <= Date.now()) {
        const { chunk } = queue.shift()!;
        if (!to.destroyed) to.write(chunk);
      }
      if (queue.length > 0) timer = setTimeout(drain, queue[0].at - Date.now());
    };
    from.on('data', (chunk: Buffer) => {
      // Never before an earlier chunk of the same direction, even if latency was just lowered.
      const at = Math.max(Date.now() + this.latencyMs, queue.length > 0 ? queue[queue.length - 1].at : 0);
      queue.push({ at, chunk });
      if (timer === undefined) {
        if (queue.length === 1 && at <= Date.now()) return drain();
        timer = setTimeout(drain, Math.max(0, queue[0].at - Date.now()));
      }
    });
  }
}

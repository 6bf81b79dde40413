import { Agent, get } from 'node:http';

/** One answer of a burst: latency from the release of the burst, status (0 = transport error). */
export interface BurstResult {
  ms: number;
  status: number;
}

/**
 * Keep-alive connections to one server, opened before a burst so that the burst measures the
 * server and not 1,000 TCP handshakes racing the listen backlog.
 */
export class ConnectionPool {
  private readonly agent: Agent;

  constructor(
    readonly baseUrl: string,
    readonly size: number,
  ) {
    this.agent = new Agent({ keepAlive: true, maxSockets: Infinity, maxFreeSockets: size, scheduling: 'lifo' });
  }

  /** Opens `size` connections: `size` concurrent GETs of `path` (a cheap route), each on its own socket. */
  async open(path: string): Promise<void> {
    const results = await Promise.all(Array.from({ length: this.size }, () => this.get(path, performance.now())));
    const failed = results.filter((r) => r.status !== 200).length;
    if (failed > 0) throw new Error(`${failed} of ${this.size} connection-opening GETs to ${this.baseUrl}${path} failed`);
  }

  /** `count` GETs of `path` written at once (same tick); latencies from that moment. */
  burst(path: string, count: number, releasedAt = performance.now()): Promise<BurstResult>[] {
    return Array.from({ length: count }, () => this.get(path, releasedAt));
  }

  close(): void {
    this.agent.destroy();
  }

  private get(path: string, startedAt: number): Promise<BurstResult> {
    return new Promise((resolve) => {
      const request = get(`${this.baseUrl}${path}`, { agent: this.agent, timeout: 120_000 }, (response) => {
        response.resume();
        response.once('end', () => resolve({ ms: performance.now() - startedAt, status: response.statusCode ?? 0 }));
        response.once('error', () => resolve({ ms: performance.now() - startedAt, status: 0 }));
      });
      request.once('timeout', () => request.destroy(new Error('timeout')));
      request.once('error', () => resolve({ ms: performance.now() - startedAt, status: 0 }));
    });
  }
}

import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';

/**
 * What can happen to one server→client reply: `corrupt` flips one byte anywhere in it (type,
 * length or payload), `truncate` drops its last bytes (the next reply's bytes then complete it),
 * `duplicate` sends it twice (every later reply lands one command late), `inject` sends random
 * bytes before it.
 */
export type ReplyFault = 'corrupt' | 'truncate' | 'duplicate' | 'inject';

export interface FaultWindow {
  /** Faults to pick from, uniformly, for each reply that is hit. */
  faults: readonly ReplyFault[];
  /** Share of replies hit, 0..1. */
  probability: number;
  /** The window closes by itself after this long (the stream is clean again). */
  durationMs: number;
}

/**
 * A loopback TCP proxy between the app and a real `redis-server` that damages replies on command
 * (see `latency-proxy.ts` for its sibling). Client→server bytes pass untouched. Server→client
 * bytes are cut into whole RESP replies first (the server's stream is always well formed), so
 * each fault hits exactly one reply: "one duplicated reply" means exactly that. Randomness comes
 * from a seeded generator, so a failing run can be replayed.
 */
export class CorruptingProxy {
  /** Replies forwarded, and how many of them were damaged by each fault. */
  readonly stats = { replies: 0, faulted: { corrupt: 0, truncate: 0, duplicate: 0, inject: 0 } as Record<ReplyFault, number> };
  private readonly sockets = new Set<Socket>();
  private window?: FaultWindow & { until: number };
  private readonly queued: ReplyFault[] = [];
  private readonly injections: Buffer[] = [];
  private random: () => number;

  private constructor(
    private readonly server: Server,
    private readonly targetPort: number,
    seed: number,
  ) {
    this.random = xorshift(seed);
  }

  static async start(targetPort: number, seed = 1): Promise<CorruptingProxy> {
    const server = createServer();
    const proxy = new CorruptingProxy(server, targetPort, seed);
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

  /** Client connections open through the proxy right now. */
  get connections(): number {
    return this.sockets.size / 2;
  }

  get faulting(): boolean {
    return this.queued.length > 0 || this.injections.length > 0 || (this.window !== undefined && Date.now() < this.window.until);
  }

  /** Damages replies for a while (`window.durationMs`), then the stream is clean again. */
  startFaults(window: FaultWindow): void {
    this.window = { ...window, until: Date.now() + window.durationMs };
  }

  /** The next reply (on whichever connection comes first) gets `fault`; once. */
  faultNext(fault: ReplyFault): void {
    this.queued.push(fault);
  }

  /** `bytes` go out before the next reply, once: e.g. a bulk header whose length swallows every later reply. */
  injectNext(bytes: Buffer): void {
    this.injections.push(bytes);
  }

  stopFaults(): void {
    this.window = undefined;
    this.queued.length = 0;
    this.injections.length = 0;
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
    client.on('data', (chunk: Buffer) => upstream.destroyed || upstream.write(chunk));
    let pending: Buffer = Buffer.alloc(0);
    upstream.on('data', (chunk: Buffer) => {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      let start = 0;
      for (let end = replyEnd(pending, start); end !== undefined; end = replyEnd(pending, start)) {
        if (!client.destroyed) client.write(this.damage(pending.subarray(start, end)));
        start = end;
      }
      pending = pending.subarray(start);
    });
  }

  private damage(reply: Buffer): Buffer {
    this.stats.replies++;
    const injection = this.injections.shift();
    if (injection) {
      this.stats.faulted.inject++;
      return Buffer.concat([injection, reply]);
    }
    const fault = this.nextFault();
    if (!fault) return reply;
    this.stats.faulted[fault]++;
    switch (fault) {
      case 'corrupt': {
        const out = Buffer.from(reply);
        out[Math.floor(this.random() * out.length)] ^= 1 + Math.floor(this.random() * 255);
        return out;
      }
      case 'truncate':
        return reply.subarray(0, Math.max(1, reply.length - 1 - Math.floor(this.random() * 8)));
      case 'duplicate':
        return Buffer.concat([reply, reply]);
      case 'inject':
        return Buffer.concat([this.randomBytes(1 + Math.floor(this.random() * 16)), reply]);
    }
  }

  private nextFault(): ReplyFault | undefined {
    const queued = this.queued.shift();
    if (queued) return queued;
    const window = this.window;
    if (!window || Date.now() >= window.until || this.random() >= window.probability) return undefined;
    return window.faults[Math.floor(this.random() * window.faults.length)];
  }

  private randomBytes(length: number): Buffer {
    const out = Buffer.alloc(length);
    for (let i = 0; i < length; i++) out[i] = Math.floor(this.random() * 256);
    return out;
  }
}

/** Deterministic pseudo-random numbers in [0, 1) (xorshift32). */
function xorshift(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 2 ** 32;
  };
}

const CRLF = 0x0d;
// RESP2 and RESP3 reply types by their first byte.
const LINE_TYPES = new Set('+-:_,#('.split('').map((c) => c.charCodeAt(0)));
const BULK_TYPES = new Set('$!='.split('').map((c) => c.charCodeAt(0)));
// Aggregates and the number of replies per announced element (maps and attributes: key and value).
const AGGREGATE_TYPES = new Map<number, number>([...[...'*~>'].map((c) => [c.charCodeAt(0), 1] as [number, number]), ...[...'%|'].map((c) => [c.charCodeAt(0), 2] as [number, number])]);

/** The end offset of the complete reply starting at `start`, or undefined while it is incomplete. */
function replyEnd(buffer: Buffer, start: number): number | undefined {
  if (start >= buffer.length) return undefined;
  const lineEnd = buffer.indexOf(CRLF, start);
  if (lineEnd < 0 || lineEnd + 1 >= buffer.length) return undefined;
  const type = buffer[start];
  const afterLine = lineEnd + 2;
  if (LINE_TYPES.has(type)) return afterLine;
  const count = Number(buffer.toString('latin1', start + 1, lineEnd));
  if (BULK_TYPES.has(type)) {
    if (count < 0) return afterLine;
    const end = afterLine + count + 2;
    return end <= buffer.length ? end : undefined;
  }
  const perItem = AGGREGATE_TYPES.get(type);
  if (perItem === undefined) throw new Error(`CorruptingProxy: Redis sent an unknown reply type ${String.fromCharCode(type)}`);
  let end: number | undefined = afterLine;
  for (let i = 0; i < Math.max(0, count) * perItem && end !== undefined; i++) end = replyEnd(buffer, end);
  return end;
}

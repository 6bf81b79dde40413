import { Agent, request } from 'node:http';
import { quantile } from './latency';

/** One request of a load run. */
export interface LoadSample {
  /** Start, ms since the epoch. */
  at: number;
  ms: number;
  /** 0 when the request itself failed (connection refused or reset, client timeout). */
  status: number;
  xCache?: string;
  path: string;
}

export interface LoadOptions {
  baseUrl: string;
  /** The path of request `n` (so workers walk a key space). */
  path: (n: number) => string;
  concurrency: number;
  /** Runs until this resolves (e.g. the end of a fault scenario). */
  until: Promise<unknown>;
  /** Client-side deadline of one request; a request past it counts as status 0. @default 10000 */
  timeoutMs?: number;
}

/**
 * Closed-loop HTTP load over real keep-alive connections: `concurrency` workers, each sending its
 * next request as soon as the previous answer arrives, until `until` settles. Every request is
 * recorded, so a test can slice the samples by time (before / during / after a fault).
 */
export async function runLoad(options: LoadOptions): Promise<LoadSample[]> {
  const agent = new Agent({ keepAlive: true, maxSockets: options.concurrency });
  const samples: LoadSample[] = [];
  let stop = false;
  void options.until.finally(() => (stop = true));
  let next = 0;
  const worker = async () => {
    while (!stop) {
      const path = options.path(next++);
      const at = Date.now();
      const started = performance.now();
      const { status, xCache } = await get(agent, options.baseUrl + path, options.timeoutMs ?? 10_000);
      samples.push({ at, ms: performance.now() - started, status, xCache, path });
    }
  };
  try {
    await Promise.all(Array.from({ length: options.concurrency }, worker));
  } finally {
    agent.destroy();
  }
  return samples;
}

function get(agent: Agent, url: string, timeoutMs: number): Promise<{ status: number; xCache?: string }> {
  return new Promise((resolve) => {
    const req = request(url, { agent, timeout: timeoutMs }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, xCache: res.headers['x-cache'] as string | undefined }));
      res.on('error', () => resolve({ status: 0 }));
    });
    req.on('timeout', () => req.destroy(new Error('client timeout')));
    req.on('error', () => resolve({ status: 0 }));
    req.end();
  });
}

/** Counts, errors (anything but `ok` statuses) and latency quantiles of a slice of samples. */
export function summarize(samples: readonly LoadSample[], ok: (status: number) => boolean = (s) => s === 200) {
  const ms = samples.map((s) => s.ms);
  return {
    requests: samples.length,
    errors: samples.filter((s) => !ok(s.status)).length,
    p50Ms: ms.length ? round(quantile(ms, 0.5)) : 0,
    p99Ms: ms.length ? round(quantile(ms, 0.99)) : 0,
    maxMs: ms.length ? round(Math.max(...ms)) : 0,
  };
}

/** The samples that started inside [from, to). */
export function between(samples: readonly LoadSample[], from: number, to: number): LoadSample[] {
  return samples.filter((s) => s.at >= from && s.at < to);
}

const round = (n: number) => Math.round(n * 10) / 10;

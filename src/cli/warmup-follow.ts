import { SingleBar } from 'cli-progress';
import type { WarmupProgress } from '../warmup/warmup-run';
import type { AdminClient } from './admin-client';

const BASE = '/api/v1/admin/cache/warmup';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface WarmupStart {
  symbols?: string[];
  policies?: string[];
}

export interface FollowOptions {
  intervalMs: number;
  timeoutMs?: number;
  /** Where the progress bar and the start line go; none when undefined. */
  progress?: NodeJS.WritableStream;
}

export interface WarmupOutcome {
  id: string;
  joined: boolean;
  progress: WarmupProgress;
  /** True when `timeoutMs` passed first: the warmup goes on in the service. */
  timedOut: boolean;
}

/** Starts (or joins) a warmup on the service and polls it to the end, drawing a progress bar. Shared by both CLIs. */
export async function startAndFollowWarmup(client: AdminClient, request: WarmupStart, options: FollowOptions): Promise<WarmupOutcome> {
  const started = await client.json<{ id: string; joined: boolean }>('POST', BASE, request);
  options.progress?.write(`Warmup ${started.id} ${started.joined ? 'joined (one was already running)' : 'started'}\n`);
  const bar = options.progress
    ? new SingleBar({
        stream: options.progress,
        format: 'warmup [{bar}] {percentage}% | {value}/{total} tasks | {rate} tasks/s | ETA {etaText} | {failed} failed',
        noTTYOutput: true,
        notTTYSchedule: 2000,
        hideCursor: true,
      })
    : undefined;
  const deadline = options.timeoutMs === undefined ? Infinity : Date.now() + options.timeoutMs;
  let progress = await client.json<WarmupProgress>('GET', `${BASE}/${started.id}`);
  bar?.start(Math.max(progress.total, 1), progress.done, barPayload(progress));
  try {
    while (progress.status === 'running') {
      if (Date.now() > deadline) return { ...started, progress, timedOut: true };
      await sleep(options.intervalMs);
      progress = await client.json<WarmupProgress>('GET', `${BASE}/${started.id}`);
      bar?.setTotal(Math.max(progress.total, 1));
      bar?.update(progress.done, barPayload(progress));
    }
  } finally {
    bar?.stop();
  }
  return { ...started, progress, timedOut: false };
}

function barPayload(p: WarmupProgress): Record<string, unknown> {
  return { rate: p.rate, failed: p.failed, etaText: p.etaMs === null ? '-' : `${Math.ceil(p.etaMs / 1000)}s` };
}

/** The fields worth printing at the end of a run. */
export function warmupSummary(p: WarmupProgress): Record<string, unknown> {
  const { id, status, symbols, total, done, failed, rate, symbolsPerSecond, elapsedMs, failuresByCode, failures, error } = p;
  return { id, status, symbols, total, done, failed, rate, symbolsPerSecond, elapsedMs, failuresByCode, failures: failures.slice(0, 5), error };
}

import type { AdminClient } from '../admin-client';
import { CliError, EXIT } from '../cli-errors';
import { printJson, table, type Io } from '../output';
import { startAndFollowWarmup, warmupSummary } from '../warmup-follow';

export interface WarmupCommandOptions {
  symbols?: string[];
  policies?: string[];
  interval: number;
  timeout?: number;
}

/** `warmup`: starts (or joins) a warmup and follows it with a progress bar; exit 1 when a task failed. */
export async function warmupCommand(client: AdminClient, io: Io, options: WarmupCommandOptions): Promise<number> {
  const outcome = await startAndFollowWarmup(
    client,
    { symbols: options.symbols, policies: options.policies },
    { intervalMs: options.interval, timeoutMs: options.timeout, progress: io.quiet ? undefined : io.err },
  );
  const p = outcome.progress;
  if (io.json) printJson(io, { ...warmupSummary(p), joined: outcome.joined, timedOut: outcome.timedOut });
  else {
    io.out.write(table(['id', 'status', 'symbols', 'tasks', 'failed', 'tasks/s', 'seconds'], [[p.id, p.status, p.symbols, `${p.done}/${p.total}`, p.failed, p.rate, +(p.elapsedMs / 1000).toFixed(1)]]));
    if (p.failures.length > 0) io.out.write(table(['symbol', 'policy', 'code', 'message'], p.failures.map((f) => [f.symbol, f.policy, f.code, f.message]), `\nFailures${p.failed > p.failures.length ? ` (first ${p.failures.length} of ${p.failed})` : ''}`));
  }
  if (outcome.timedOut) throw new CliError(EXIT.failed, `Gave up waiting after ${options.timeout} ms; warmup ${p.id} goes on in the service`);
  return p.status === 'done' && p.failed === 0 ? EXIT.ok : EXIT.failed;
}

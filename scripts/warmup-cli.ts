// Operators' CLI: starts a cache warmup on a running service through its admin API and follows it
// with a progress bar. `npm run warmup -- --help` for usage. Exit codes are part of the contract.
import { SingleBar } from 'cli-progress';
import { parseArgs } from 'node:util';
import { WARM_POLICY_NAMES } from '../src/config/warmup.config';
import type { WarmupProgress } from '../src/warmup/warmup-run';

export const EXIT = { done: 0, failures: 1, usage: 2, unreachable: 3 } as const;

const USAGE = `Usage: npm run warmup -- [--symbols AAPL,MSFT] [--policies prices,scores] [--url http://host:3000] [--key KEY]

  --symbols    comma-separated symbols (default: the service's WARMUP_SYMBOLS, else its hot symbols + sp500 top N)
  --policies   comma-separated, from ${WARM_POLICY_NAMES.join(', ')} (default: the service's WARMUP_POLICIES)
  --url        service base URL (default: $MC_URL or http://127.0.0.1:3000)
  --key        admin API key (default: $ADMIN_API_KEY)
  --interval   progress poll interval in ms (default: 2000; admin routes are rate-limited)
  --timeout    give up after this many ms (default: no limit)

Exit codes: 0 done, 1 finished with failures, 2 usage error, 3 service unreachable or unauthorized.`;

export interface CliOptions {
  url: string;
  key?: string;
  symbols?: string[];
  policies?: string[];
  intervalMs: number;
  timeoutMs?: number;
}

class CliExit extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

const list = (value?: string) => value?.split(',').map((s) => s.trim()).filter(Boolean);

/** @throws CliExit(usage) for anything malformed */
export function parseCli(argv: string[], env: Record<string, string | undefined>): CliOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        symbols: { type: 'string' },
        policies: { type: 'string' },
        url: { type: 'string' },
        key: { type: 'string' },
        interval: { type: 'string' },
        timeout: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    throw new CliExit(EXIT.usage, `${(error as Error).message}\n\n${USAGE}`);
  }
  if (values.help) throw new CliExit(EXIT.done, USAGE);
  const policies = list(values.policies);
  const unknown = (policies ?? []).filter((p) => !(WARM_POLICY_NAMES as readonly string[]).includes(p));
  if (unknown.length > 0) throw new CliExit(EXIT.usage, `Unknown policy ${unknown.join(', ')}; expected ${WARM_POLICY_NAMES.join(', ')}`);
  const url = values.url ?? env.MC_URL ?? 'http://127.0.0.1:3000';
  if (!/^https?:\/\/[^/\s]+/.test(url)) throw new CliExit(EXIT.usage, `--url must be an http(s) URL, got ${url}`);
  const intervalMs = Number(values.interval ?? 2000);
  const timeoutMs = values.timeout === undefined ? undefined : Number(values.timeout);
  if (!Number.isInteger(intervalMs) || intervalMs < 50) throw new CliExit(EXIT.usage, '--interval must be an integer of at least 50 (ms)');
  if (timeoutMs !== undefined && !(Number.isInteger(timeoutMs) && timeoutMs > 0)) throw new CliExit(EXIT.usage, '--timeout must be a positive integer (ms)');
  return { url: url.replace(/\/+$/, ''), key: values.key ?? env.ADMIN_API_KEY, symbols: list(values.symbols), policies, intervalMs, timeoutMs };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One admin API call; 429s wait for Retry-After and try again; transport and auth failures exit 3. */
async function call<T>(options: CliOptions, method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  for (;;) {
    let response: Response;
    try {
      response = await fetch(`${options.url}/api/v1/admin/cache/warmup${path}`, {
        method,
        headers: { 'content-type': 'application/json', ...(options.key ? { 'x-api-key': options.key } : {}) },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(10_000),
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
      throw new CliExit(EXIT.unreachable, `Cannot reach ${options.url}: ${cause}`);
    }
    const text = await response.text();
    const message = () => describeError(text) ?? `HTTP ${response.status}`;
    if (response.status === 429) {
      await sleep(Math.max(1, Number(response.headers.get('retry-after')) || 1) * 1000);
      continue;
    }
    if ([401, 403, 503].includes(response.status)) throw new CliExit(EXIT.unreachable, `Refused by the service (${response.status}): ${message()}`);
    if (response.status === 404 && method === 'GET') {
      throw new CliExit(EXIT.unreachable, `The service does not know this warmup (${message()}); behind a load balancer, target one replica`);
    }
    if (response.status === 400) throw new CliExit(EXIT.usage, `Rejected by the service: ${message()}`);
    if (!response.ok) throw new CliExit(EXIT.unreachable, `Unexpected answer ${response.status}: ${message()}`);
    return JSON.parse(text) as T;
  }
}

function describeError(text: string): string | undefined {
  try {
    const { message } = JSON.parse(text) as { message?: string | string[] };
    return Array.isArray(message) ? message.join('; ') : message;
  } catch {
    return undefined;
  }
}

/** Starts (or joins) a warmup and follows it to the end; returns the exit code. */
export async function runCli(options: CliOptions, out: NodeJS.WritableStream = process.stderr): Promise<number> {
  const started = await call<{ id: string; joined: boolean }>(options, 'POST', '', { symbols: options.symbols, policies: options.policies });
  out.write(`Warmup ${started.id} ${started.joined ? 'joined (one was already running)' : 'started'}\n`);
  const bar = new SingleBar({
    stream: out,
    format: 'warmup [{bar}] {percentage}% | {value}/{total} tasks | {rate} tasks/s | ETA {etaText} | {failed} failed',
    noTTYOutput: true,
    notTTYSchedule: 2000,
    hideCursor: true,
  });
  const deadline = options.timeoutMs === undefined ? Infinity : Date.now() + options.timeoutMs;
  let progress = await call<WarmupProgress>(options, 'GET', `/${started.id}`);
  bar.start(Math.max(progress.total, 1), progress.done, payload(progress));
  try {
    while (progress.status === 'running') {
      if (Date.now() > deadline) throw new CliExit(EXIT.unreachable, `Gave up after ${options.timeoutMs} ms; the warmup goes on (${started.id})`);
      await sleep(options.intervalMs);
      progress = await call<WarmupProgress>(options, 'GET', `/${started.id}`);
      bar.setTotal(Math.max(progress.total, 1));
      bar.update(progress.done, payload(progress));
    }
  } finally {
    bar.stop();
  }
  process.stdout.write(`${JSON.stringify(summary(progress))}\n`);
  return progress.status === 'done' && progress.failed === 0 ? EXIT.done : EXIT.failures;
}

function payload(p: WarmupProgress): Record<string, unknown> {
  return { rate: p.rate, failed: p.failed, etaText: p.etaMs === null ? '-' : `${Math.ceil(p.etaMs / 1000)}s` };
}

function summary(p: WarmupProgress): Record<string, unknown> {
  const { id, status, symbols, total, done, failed, rate, symbolsPerSecond, elapsedMs, failuresByCode, failures, error } = p;
  return { id, status, symbols, total, done, failed, rate, symbolsPerSecond, elapsedMs, failuresByCode, failures: failures.slice(0, 5), error };
}

async function main(): Promise<void> {
  try {
    process.exitCode = await runCli(parseCli(process.argv.slice(2), process.env));
  } catch (error) {
    if (!(error instanceof CliExit)) throw error;
    (error.code === EXIT.done ? process.stdout : process.stderr).write(`${error.message}\n`);
    process.exitCode = error.code;
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = EXIT.failures;
  });
}

// Operators' CLI: starts a cache warmup on a running service through its admin API and follows it
// with a progress bar. `npm run warmup -- --help` for usage. Exit codes are part of the contract.
// The same work as `market-cache warmup` (src/cli/, which it shares the client and follow loop
// with); kept for its older exit codes, where a refused key is 3 rather than 4.
import { parseArgs } from 'node:util';
import { AdminClient } from '../src/cli/admin-client';
import { CliError, EXIT as MARKET_CACHE_EXIT } from '../src/cli/cli-errors';
import { startAndFollowWarmup, warmupSummary } from '../src/cli/warmup-follow';
import { WARM_POLICY_NAMES } from '../src/config/warmup.config';

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

/** In this CLI's older contract every refusal or failed call is 3 (auth included), a rejected request 2. */
function legacyExit(error: CliError): CliExit {
  if (error.exitCode === MARKET_CACHE_EXIT.usage) return new CliExit(EXIT.usage, error.message);
  // A 404 while following: another replica answered, which does not know the run.
  const hint = error.message.includes('answered 404') ? '; behind a load balancer, target one replica' : '';
  return new CliExit(EXIT.unreachable, `${error.message}${hint}`);
}

/** Starts (or joins) a warmup and follows it to the end; returns the exit code. */
export async function runCli(options: CliOptions, out: NodeJS.WritableStream = process.stderr): Promise<number> {
  const client = new AdminClient({ url: options.url, apiKey: options.key, timeoutMs: 10_000, maxRetries: Infinity });
  let outcome;
  try {
    outcome = await startAndFollowWarmup(client, { symbols: options.symbols, policies: options.policies }, { intervalMs: options.intervalMs, timeoutMs: options.timeoutMs, progress: out });
  } catch (error) {
    throw error instanceof CliError ? legacyExit(error) : error;
  }
  if (outcome.timedOut) throw new CliExit(EXIT.unreachable, `Gave up after ${options.timeoutMs} ms; the warmup goes on (${outcome.id})`);
  process.stdout.write(`${JSON.stringify(warmupSummary(outcome.progress))}\n`);
  return outcome.progress.status === 'done' && outcome.progress.failed === 0 ? EXIT.done : EXIT.failures;
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

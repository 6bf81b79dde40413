// `market-cache`: the operators' CLI. Calls a running service's admin API (and the scans route).
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { WARM_POLICY_NAMES } from '../config/warmup.config';
import { AdminClient } from './admin-client';
import { CliError, EXIT } from './cli-errors';
import { clearCommand } from './commands/clear.command';
import { keysCommand } from './commands/keys.command';
import { scanCommand } from './commands/scan.command';
import { statsCommand } from './commands/stats.command';
import { warmupCommand } from './commands/warmup.command';
import type { Io } from './output';

const DEFAULT_URL = 'http://127.0.0.1:3000';

const EXIT_HELP = `
Exit codes:
  0  done
  1  the service answered but the work failed (warmup or scan failures, an error answer)
  2  usage error (bad options, or the service rejected the request as invalid)
  3  service unreachable (connection refused, timeout, gateway error)
  4  auth failure (wrong or missing ADMIN_API_KEY, or the service's admin API is off)`;

interface GlobalOptions {
  url?: string;
  apiKey?: string;
  json: boolean;
  quiet: boolean;
  requestTimeout: number;
}

const integer = (name: string, min: number) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be an integer of at least ${min}`);
  return n;
};
const decimal = (name: string) => (value: string) => {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError(`${name} must be a number`);
  return n;
};
const list = (value: string) => value.split(',').map((s) => s.trim()).filter(Boolean);
const policies = (value: string) => {
  const names = list(value).map((s) => s.toLowerCase());
  const unknown = names.filter((p) => !(WARM_POLICY_NAMES as readonly string[]).includes(p));
  if (unknown.length > 0) throw new InvalidArgumentError(`unknown policy ${unknown.join(', ')}; expected ${WARM_POLICY_NAMES.join(', ')}`);
  return names;
};

/** The command tree; `run` receives a client and I/O built from the global options. */
export function buildProgram(
  run: (work: (client: AdminClient, io: Io) => Promise<number>, command: Command) => Promise<void>,
  out: NodeJS.WritableStream,
  err: NodeJS.WritableStream,
): Command {
  // Before any subcommand: they copy these settings when created. Throw instead of exiting.
  const program = new Command('market-cache')
    .exitOverride()
    .configureOutput({ writeOut: (s) => out.write(s), writeErr: (s) => err.write(s) })
    .description('Operate a running Market Cache Service through its admin API.')
    .addOption(new Option('--url <url>', `service base URL (default: ${DEFAULT_URL})`).env('MARKET_CACHE_URL'))
    .addOption(new Option('--api-key <key>', 'admin API key').env('ADMIN_API_KEY'))
    .option('--json', 'print results as JSON (for scripts)', false)
    .option('-q, --quiet', 'no progress bars', false)
    .option('--request-timeout <ms>', 'deadline of each request', integer('--request-timeout', 1), 10_000)
    .showHelpAfterError()
    .addHelpText('after', EXIT_HELP);

  program
    .command('stats')
    .description('hit rates per policy, backend, breaker, L1 use, most requested keys')
    .option('--top <n>', 'how many hot keys to list (1-100)', integer('--top', 1), 10)
    .action((options: { top: number }, command: Command) => run((client, io) => statsCommand(client, io, options), command));

  program
    .command('keys')
    .description('list keys under the service prefix matching a glob (SCAN paging)')
    .argument('[pattern]', 'Redis glob inside REDIS_PREFIX, e.g. "v1:price:*"', '*')
    .option('--limit <n>', 'stop after this many keys', integer('--limit', 1), 100)
    .option('--ttl', 'also show each key’s remaining lifetime in L1 and L2 (one request per key)', false)
    .action((pattern: string, options: { limit: number; ttl: boolean }, command: Command) => run((client, io) => keysCommand(client, io, pattern, options), command));

  program
    .command('clear')
    .description('delete cache keys matching a glob, every key with a tag, or every entry built from a symbol, from L1 and Redis (never alerts, screenings or leases)')
    .argument('[pattern]', 'Redis glob over the cache keys inside REDIS_PREFIX ("*" is every cache key); the count is shown before the question')
    .option('--tag <tag>', 'delete by tag instead of pattern, e.g. symbol:AAPL')
    .option('--symbol <symbol>', 'delete every entry built from this symbol (values, derived values, HTTP responses), e.g. AAPL')
    .option('-y, --yes', 'do not ask for confirmation (needed without a terminal, and with --json)', false)
    .action((pattern: string | undefined, options: { tag?: string; symbol?: string; yes: boolean }, command: Command) => run((client, io) => clearCommand(client, io, pattern, options), command));

  program
    .command('warmup')
    .description('warm the cache (or join the running warmup) and follow it with a progress bar')
    .option('--symbols <list>', 'comma-separated symbols (default: the service’s WARMUP_SYMBOLS, else its hot symbols + sp500 top N)', list)
    .option('--policies <list>', `comma-separated, from ${WARM_POLICY_NAMES.join(', ')}`, policies)
    .option('--interval <ms>', 'progress poll interval (admin routes are rate-limited)', integer('--interval', 50), 2000)
    .option('--timeout <ms>', 'stop waiting after this long (the warmup goes on)', integer('--timeout', 1))
    .action((options: { symbols?: string[]; policies?: string[]; interval: number; timeout?: number }, command: Command) =>
      run((client, io) => warmupCommand(client, io, options), command),
    );

  program
    .command('scan')
    .description('rank a universe or a symbol list (streamed, with a progress bar)')
    .option('--universe <name>', 'all, sp500 or a sector slug')
    .option('--symbols <list>', 'comma-separated symbols instead of a universe', (v: string) => list(v).map((s) => s.toUpperCase()))
    .option('--horizon <h>', 'short, medium or long')
    .option('--sector <sector>', 'keep only this GICS sector')
    .option('--min-price <n>', 'minimum last close', decimal('--min-price'))
    .option('--min-avg-volume <n>', 'minimum mean volume of the last 20 bars', decimal('--min-avg-volume'))
    .option('--min-score <n>', 'minimum composite score (0-100)', decimal('--min-score'))
    .option('--limit <n>', 'results kept, best first', integer('--limit', 1))
    .option('--timeout <ms>', 'deadline of the whole scan', integer('--timeout', 1), 600_000)
    .action((options: Parameters<typeof scanCommand>[2], command: Command) => run((client, io) => scanCommand(client, io, options), command));

  return program;
}

/** Runs the CLI; resolves to the exit code (never exits the process itself, so tests can call it). */
export async function main(argv: string[], out: NodeJS.WritableStream = process.stdout, err: NodeJS.WritableStream = process.stderr): Promise<number> {
  let code: number = EXIT.ok;
  const program = buildProgram(async (work, command) => {
    const global = command.optsWithGlobals<GlobalOptions>();
    const url = (global.url || DEFAULT_URL).replace(/\/+$/, '');
    if (!/^https?:\/\/[^/\s]+/.test(url)) throw new CliError(EXIT.usage, `--url must be an http(s) URL, got ${url}`);
    const client = new AdminClient({ url, apiKey: global.apiKey || undefined, timeoutMs: global.requestTimeout });
    code = await work(client, { out, err, json: global.json, quiet: global.quiet });
  }, out, err);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (error) {
    if (error instanceof CommanderError) return ['commander.helpDisplayed', 'commander.help', 'commander.version'].includes(error.code) ? EXIT.ok : EXIT.usage;
    if (error instanceof CliError) {
      err.write(`market-cache: ${error.message}\n`);
      return error.exitCode;
    }
    throw error;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (error: unknown) => {
      console.error(error);
      process.exitCode = EXIT.failed;
    },
  );
}

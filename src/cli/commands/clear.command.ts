import { createInterface } from 'node:readline/promises';
import type { AdminClient } from '../admin-client';
import { CliError, EXIT } from '../cli-errors';
import { printJson, type Io } from '../output';

export interface ClearOptions {
  tag?: string;
  symbol?: string;
  yes: boolean;
}

interface DryRun {
  wouldDelete: number;
  sample: string[];
}

// Sample keys shown before the question; the service sends up to 20.
const SHOWN = 5;

/**
 * `clear <pattern>`, `clear --tag <tag>` or `clear --symbol <symbol>`: deletes from both tiers on
 * every replica. A pattern is dry-run first, so the question states how many keys would go. Asks
 * on a terminal; with `--json` or without a terminal it needs `--yes` (a script must say so).
 */
export async function clearCommand(client: AdminClient, io: Io, pattern: string | undefined, options: ClearOptions, input: NodeJS.ReadableStream & { isTTY?: boolean } = process.stdin): Promise<number> {
  const given = [pattern, options.tag, options.symbol].filter((v) => v !== undefined).length;
  if (given !== 1) throw new CliError(EXIT.usage, 'clear needs a key pattern, --tag <tag> or --symbol <symbol> (one of them)');
  const target = targetOf(pattern, options);

  if (!options.yes) {
    let what = target.what;
    if (pattern !== undefined) {
      const dry = await client.json<DryRun>('DELETE', `/api/v1/admin/cache/keys?pattern=${encodeURIComponent(pattern)}&dryRun=true`);
      if (dry.wouldDelete === 0) {
        if (io.json) printJson(io, { deleted: 0, pattern });
        else io.out.write(`No keys match ${JSON.stringify(pattern)}; nothing deleted\n`);
        return EXIT.ok;
      }
      what = `${dry.wouldDelete} keys matching ${JSON.stringify(pattern)}`;
      const more = dry.wouldDelete > SHOWN ? ', …' : '';
      io.err.write(`${what} on ${client.url}, e.g. ${dry.sample.slice(0, SHOWN).join(', ')}${more}\n`);
    }
    if (io.json || !input.isTTY) throw new CliError(EXIT.usage, `Refusing to delete ${what} without --yes (${io.json ? '--json is for scripts' : 'no terminal to ask on'})`);
    const prompt = createInterface({ input, output: io.err });
    const answer = await prompt.question(`Delete ${what} on ${client.url} from L1 and Redis? [y/N] `);
    prompt.close();
    if (!/^y(es)?$/i.test(answer.trim())) throw new CliError(EXIT.failed, 'Nothing deleted');
  }

  const { deleted } = await client.json<{ deleted: number }>('DELETE', target.path);
  if (io.json) printJson(io, { deleted, ...target.json });
  else io.out.write(`Deleted ${deleted} keys (${target.what})\n`);
  return EXIT.ok;
}

function targetOf(pattern: string | undefined, options: ClearOptions): { path: string; what: string; json: Record<string, string> } {
  if (options.symbol !== undefined) {
    const symbol = options.symbol.trim().toUpperCase();
    return { path: `/api/v1/admin/cache/symbols/${encodeURIComponent(symbol)}`, what: `every entry built from ${symbol}`, json: { symbol } };
  }
  if (options.tag !== undefined) {
    return { path: `/api/v1/admin/cache/tags/${encodeURIComponent(options.tag)}`, what: `every key tagged ${JSON.stringify(options.tag)}`, json: { tag: options.tag } };
  }
  return { path: `/api/v1/admin/cache/keys?pattern=${encodeURIComponent(pattern as string)}`, what: `every key matching ${JSON.stringify(pattern)}`, json: { pattern: pattern as string } };
}

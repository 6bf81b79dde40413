import { createInterface } from 'node:readline/promises';
import type { AdminClient } from '../admin-client';
import { CliError, EXIT } from '../cli-errors';
import { printJson, type Io } from '../output';

export interface ClearOptions {
  tag?: string;
  yes: boolean;
}

/** `clear <pattern>` or `clear --tag <tag>`: deletes from both tiers; asks first unless `--yes`. */
export async function clearCommand(client: AdminClient, io: Io, pattern: string | undefined, options: ClearOptions, input: NodeJS.ReadStream = process.stdin): Promise<number> {
  if ((pattern === undefined) === (options.tag === undefined)) throw new CliError(EXIT.usage, 'clear needs a key pattern or --tag <tag> (one of them)');
  const what = options.tag === undefined ? `every key matching ${JSON.stringify(pattern)}` : `every key tagged ${JSON.stringify(options.tag)}`;
  if (!options.yes) {
    if (!input.isTTY) throw new CliError(EXIT.usage, `Refusing to delete ${what} without --yes (no terminal to ask on)`);
    const prompt = createInterface({ input, output: io.err });
    const answer = await prompt.question(`Delete ${what} on ${client.url} from L1 and Redis? [y/N] `);
    prompt.close();
    if (!/^y(es)?$/i.test(answer.trim())) throw new CliError(EXIT.failed, 'Nothing deleted');
  }
  const path = options.tag === undefined ? `/api/v1/admin/cache/keys?pattern=${encodeURIComponent(pattern as string)}` : `/api/v1/admin/cache/tags/${encodeURIComponent(options.tag)}`;
  const { deleted } = await client.json<{ deleted: number }>('DELETE', path);
  if (io.json) printJson(io, { deleted, ...(options.tag === undefined ? { pattern } : { tag: options.tag }) });
  else io.out.write(`Deleted ${deleted} keys (${what})\n`);
  return 0;
}

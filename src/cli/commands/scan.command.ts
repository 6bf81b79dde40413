import { SingleBar } from 'cli-progress';
import type { ScanEvent, ScanResponse } from '../../scans/scans.dto';
import type { AdminClient } from '../admin-client';
import { CliError, EXIT } from '../cli-errors';
import { ndjsonLines } from '../ndjson';
import { printJson, table, type Io } from '../output';

export interface ScanCommandOptions {
  universe?: string;
  symbols?: string[];
  horizon?: string;
  sector?: string;
  minPrice?: number;
  minAvgVolume?: number;
  minScore?: number;
  limit?: number;
  timeout: number;
}

type StreamLine = ScanEvent | { type: 'error'; message: string };

/** `scan`: a streamed scan (NDJSON progress) with a progress bar, then the ranked table; exit 1 if symbols failed. */
export async function scanCommand(client: AdminClient, io: Io, options: ScanCommandOptions): Promise<number> {
  const { timeout, ...request } = options;
  const body = Object.fromEntries(Object.entries(request).filter(([, v]) => v !== undefined));
  const response = await client.request('POST', '/api/v1/scans?stream=true', body, timeout);
  if (!response.body) throw new CliError(EXIT.failed, 'The service answered without a body');
  const bar = io.quiet
    ? undefined
    : new SingleBar({ stream: io.err, format: 'scan [{bar}] {percentage}% | {value}/{total} symbols | L1 {l1} L2 {l2} | {upstream} upstream calls', noTTYOutput: true, notTTYSchedule: 2000, hideCursor: true });
  let result: ScanResponse | undefined;
  try {
    bar?.start(1, 0, { l1: 0, l2: 0, upstream: 0 });
    for await (const line of ndjsonLines<StreamLine>(response.body)) {
      if (line.type === 'progress') {
        bar?.setTotal(Math.max(1, line.total));
        bar?.update(line.done, { l1: line.cacheHits.l1, l2: line.cacheHits.l2, upstream: line.upstreamCalls });
      } else if (line.type === 'result') result = line.result;
      else if (line.type === 'error') throw new CliError(EXIT.failed, `The scan failed in the service: ${line.message}`);
    }
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(EXIT.unreachable, `The scan stream broke off: ${(error as Error).message}`);
  } finally {
    bar?.stop();
  }
  if (!result) throw new CliError(EXIT.failed, 'The scan stream ended without a result');

  if (io.json) printJson(io, result);
  else {
    const rows = result.results.map((r, i) => [i + 1, r.symbol, r.name, r.sector, r.price ?? '–', r.composite ?? '–', r.momentum ?? '–', r.value ?? '–', r.confidence]);
    io.out.write(table(['#', 'symbol', 'name', 'sector', 'price', 'composite', 'momentum', 'value', 'confidence'], rows, `Scan of ${result.universe} (${result.horizon}, ${result.date})`));
    const s = result.stats;
    io.out.write(
      `${s.scanned} scanned, ${s.matched} matched, ${s.computed} computed, cache hits L1 ${s.cacheHits.l1} / L2 ${s.cacheHits.l2} / stale ${s.cacheHits.stale}, ` +
        `${s.upstreamCalls} upstream calls, ${s.durationMs} ms${result.servedFromCache ? ' (whole answer from cache)' : ''}\n`,
    );
    if (result.unknown.length > 0) io.out.write(`Unknown symbols: ${result.unknown.join(', ')}\n`);
    if (result.failed.length > 0) io.out.write(`Failed symbols (upstream trouble): ${result.failed.join(', ')}\n`);
  }
  return result.failed.length === 0 ? EXIT.ok : EXIT.failed;
}

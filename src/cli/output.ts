import Table from 'cli-table3';

/** Where a command writes: results to `out` (stdout), progress and messages to `err` (stderr). */
export interface Io {
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream;
  /** Results as one JSON document instead of tables. */
  json: boolean;
  /** No progress bars. */
  quiet: boolean;
}

export function printJson(io: Io, value: unknown): void {
  io.out.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** A table with a header row; numbers right-aligned. */
export function table(head: string[], rows: (string | number)[][], title?: string): string {
  const t = new Table({ head, style: { head: [], border: [] }, colAligns: head.map((_, i) => (rows.every((r) => typeof r[i] === 'number' || r[i] === '–') ? 'right' : 'left')) });
  t.push(...rows.map((r) => r.map(String)));
  return `${title ? `${title}\n` : ''}${t.toString()}\n`;
}

export const percent = (ratio: number | null | undefined): string => (ratio === null || ratio === undefined ? '–' : `${(ratio * 100).toFixed(1)} %`);

export function bytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${n.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}

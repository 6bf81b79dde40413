/**
 * `npm run bench`: every benchmark of issue 7, each as its own process (so one's memory and
 * timers never skew another's), then one table of scenario / compared with / target / measured /
 * met, printed and written as the "Summary" section of docs/BENCHMARKS.md. Each bench also
 * writes its own section with the details. `npm run bench -- throughput scan` runs a subset.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { environment, table, writeSection, type TargetRow } from './report';

const BENCHES = ['throughput', 'l2-latency', 'stampede', 'scan', 'redis-freeze', 'memory', 'calendar', 'upstream-budget'];

function main(): void {
  const chosen = process.argv.slice(2).filter((name) => !name.startsWith('-'));
  const names = chosen.length ? chosen : BENCHES;
  const unknown = names.filter((name) => !BENCHES.includes(name));
  if (unknown.length) throw new Error(`unknown bench ${unknown.join(', ')}; known: ${BENCHES.join(', ')}`);
  const dir = mkdtempSync(join(tmpdir(), 'bench-summary-'));
  const rows: TargetRow[] = [];
  const failed: string[] = [];
  try {
    for (const name of names) {
      console.log(`\n=== ${name} ===`);
      const started = Date.now();
      const run = spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', join(__dirname, `${name}.bench.ts`)], {
        cwd: join(__dirname, '..'),
        env: { ...process.env, TS_NODE_PROJECT: join(__dirname, '..', 'tsconfig.json'), BENCH_SUMMARY_DIR: dir },
        stdio: 'inherit',
      });
      console.log(`=== ${name}: exit ${run.status} after ${((Date.now() - started) / 1000).toFixed(0)} s ===`);
      const file = join(dir, `${name}.json`);
      if (run.status !== 0 || !existsSync(file)) failed.push(name);
      else rows.push(...(JSON.parse(readFileSync(file, 'utf8')) as TargetRow[]));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const summary = [
    'Each row is measured side by side with what it is compared with, in the same run; details in the sections below.',
    '',
    table(['scenario', 'compared with', 'target', 'measured', 'met'], rows.map((r) => [r.scenario, r.comparedWith, r.target, r.measured, r.met ? 'yes' : '**no**'])),
    ...(failed.length ? ['', `Failed to run: ${failed.join(', ')}.`] : []),
    '',
    environment(),
  ].join('\n');
  console.log(`\n${summary}`);
  if (!chosen.length) writeSection('Summary', summary, { first: true });
  if (failed.length) process.exitCode = 1;
}

main();

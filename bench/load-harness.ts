import autocannon from 'autocannon';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../test/support/free-port';

const ROOT = join(__dirname, '..');
const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

function hasTaskset(): boolean {
  try {
    execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Servers on CPU 0, the load generator on CPU 1, when the machine has two CPUs and `taskset`. */
export const PINNED = cpus().length >= 2 && hasTaskset();

/** Moves this process (the load generator, all its threads) to CPU 1 when pinning. */
export function pinLoadGenerator(): void {
  if (PINNED) execFileSync('taskset', ['-a', '-p', '-c', '1', String(process.pid)], { stdio: 'ignore' });
}

/** A server under measurement: a child process on its own CPU, answering at `url`. */
export interface ChildServer {
  label: string;
  url: string;
  pid: number;
  child: ChildProcess;
  /** SIGTERM, resolved once the process has exited. */
  close(): Promise<void>;
}

/** Runs `script` (TypeScript through ts-node, or compiled `.js`) as a child on CPU 0 with `PORT` set; resolves once `readyPath` answers 200. */
export async function startChildServer(label: string, script: string, env: Record<string, string>, readyPath: string, args: string[] = []): Promise<ChildServer> {
  const port = await freePort();
  // Compiled JavaScript (dist/) runs on plain node, as in production; TypeScript through ts-node.
  const node = script.endsWith('.js') ? [process.execPath, script, ...args] : [process.execPath, '-r', 'ts-node/register/transpile-only', script, ...args];
  const [command, ...rest] = PINNED ? ['taskset', '-c', '0', ...node] : node;
  const child = spawn(command, rest, {
    cwd: ROOT,
    env: { ...process.env, TS_NODE_PROJECT: join(ROOT, 'tsconfig.json'), PORT: String(port), ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForOk(`${url}${readyPath}`, child);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  const close = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  return { label, url, pid: child.pid as number, child, close };
}

async function waitForOk(url: string, child: ChildProcess, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${url}: the server exited with ${child.exitCode}`);
    const ok = await fetch(url).then((r) => r.ok, () => false);
    if (ok) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} not answering 200 within ${timeoutMs} ms`);
}

/** CPU seconds (user + system, all threads) a process has used so far, from /proc. */
export function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  // utime and stime are fields 14 and 15 of stat(5); `fields` starts at field 3.
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

/** Resident set size and its peak, in MB, from /proc. */
export function memoryMb(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? NaN);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

export interface LoadResult {
  /** Requests per wall-clock second (depends on how much CPU the shared machine left the server). */
  rps: number;
  /** 2xx responses per CPU second the server used: its capacity per core, contention aside. */
  perCpuSecond: number;
  /** CPU seconds the server used per wall second (1 = one core busy throughout). */
  cpuShare: number;
  p50: number;
  p99: number;
  max: number;
  /** Errors (connection, timeout) plus non-2xx responses. */
  failed: number;
  requests: number;
}

/** One autocannon run against a server, paths picked at random; also what it cost the server in CPU time. */
export async function load(server: Pick<ChildServer, 'url' | 'pid'>, paths: string[], seconds: number, connections = 50): Promise<LoadResult> {
  const cpuBefore = cpuSeconds(server.pid);
  const result = await autocannon({
    url: `${server.url}${paths[0]}`,
    connections,
    duration: seconds,
    timeout: 10,
    requests: [{ method: 'GET', setupRequest: (request) => ({ ...request, path: paths[Math.floor(Math.random() * paths.length)] }) }],
  });
  const cpu = cpuSeconds(server.pid) - cpuBefore;
  return {
    rps: result.requests.average,
    perCpuSecond: result['2xx'] / cpu,
    cpuShare: cpu / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    max: result.latency.max,
    failed: result.non2xx + result.errors + result.timeouts,
    requests: result.requests.total,
  };
}


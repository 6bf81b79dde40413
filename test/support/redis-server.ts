import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port';

/**
 * A private `redis-server` child process on a free loopback port, for tests that kill, freeze
 * or restart Redis. It never touches the shared instance on 6379 and keeps nothing on disk.
 */
export class RedisServer {
  private process?: ChildProcess;
  // Replication writes RDB files even with `--save ''`: keep them out of the working directory.
  private readonly dir = mkdtempSync(join(tmpdir(), 'mc-redis-'));

  private constructor(
    readonly port: number,
    private readonly extraArgs: string[],
  ) {}

  static async start(extraArgs: string[] = []): Promise<RedisServer> {
    return RedisServer.startOn(await freePort(), extraArgs);
  }

  /** On a given port: for "Redis appears after the service booted". */
  static async startOn(port: number, extraArgs: string[] = []): Promise<RedisServer> {
    const server = new RedisServer(port, extraArgs);
    await server.launch();
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.process?.pid;
  }

  /** SIGSTOP: the socket stays open but nothing answers (a hung or failing-over master). */
  freeze(): void {
    this.process?.kill('SIGSTOP');
  }

  resume(): void {
    this.process?.kill('SIGCONT');
  }

  /** SIGKILL, as an OOM kill or a node loss would. */
  async kill(): Promise<void> {
    const proc = this.process;
    if (!proc || proc.exitCode !== null) return;
    const exited = new Promise((resolve) => proc.once('exit', resolve));
    proc.kill('SIGCONT');
    proc.kill('SIGKILL');
    await exited;
    this.process = undefined;
  }

  /** Starts again on the same port (after `kill`). */
  async restart(): Promise<void> {
    await this.kill();
    await this.launch();
  }

  async stop(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async launch(): Promise<void> {
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', this.dir, ...this.extraArgs];
    this.process = spawn('redis-server', args, { stdio: 'ignore' });
    this.process.unref();
    await waitForPong(this.port, 5000);
  }
}

/** Resolves once Redis answers PING on `port`. */
async function waitForPong(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await pings(port)) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`redis-server on ${port} did not start within ${timeoutMs} ms`);
}

function pings(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.setTimeout(300);
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => {
      socket.destroy();
      // NOAUTH: up, but requiring a password (requirepass / ACL tests).
      resolve(/^(\+PONG|-NOAUTH)/.test(data.toString()));
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

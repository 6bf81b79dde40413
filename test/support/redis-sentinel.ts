import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port';
import { infoField, pollUntil, redisCli } from './redis-cli';
import { RedisServer } from './redis-server';

export const SENTINEL_MASTER = 'mymaster';

/** One `redis-server <conf> --sentinel` child (Sentinel rewrites its config file, so it lives in the temp dir). */
class SentinelProcess {
  private constructor(
    readonly port: number,
    private process?: ChildProcess,
  ) {}

  static async start(dir: string, masterPort: number): Promise<SentinelProcess> {
    const port = await freePort();
    const conf = join(dir, `sentinel-${port}.conf`);
    await writeFile(
      conf,
      [
        `port ${port}`,
        'bind 127.0.0.1',
        `dir ${dir}`,
        // Quorum 1 and short timers: a failover within a few seconds of the master's death.
        `sentinel monitor ${SENTINEL_MASTER} 127.0.0.1 ${masterPort} 1`,
        `sentinel down-after-milliseconds ${SENTINEL_MASTER} 1000`,
        `sentinel failover-timeout ${SENTINEL_MASTER} 3000`,
        `sentinel parallel-syncs ${SENTINEL_MASTER} 1`,
        '',
      ].join('\n'),
    );
    const child = spawn('redis-server', [conf, '--sentinel'], { stdio: 'ignore' });
    child.unref();
    const sentinel = new SentinelProcess(port, child);
    await pollUntil(`sentinel on ${port} answers`, async () => (await redisCli(port, ['ping'], 1000)).trim() === 'PONG', 10_000, 50);
    return sentinel;
  }

  async stop(): Promise<void> {
    const proc = this.process;
    this.process = undefined;
    if (!proc || proc.exitCode !== null) return;
    const exited = new Promise((resolve) => proc.once('exit', resolve));
    proc.kill('SIGKILL');
    await exited;
  }
}

/**
 * A private Sentinel set on free loopback ports: a master, one replica (`--replicaof`) and
 * `sentinels` Sentinels watching them, for failover tests. Ready once the replica is in sync and
 * every Sentinel knows both the master and the replica; `stop()` kills all and removes the temp dir.
 */
export class RedisSentinelSet {
  private constructor(
    readonly master: RedisServer,
    readonly replica: RedisServer,
    readonly sentinels: SentinelProcess[],
    private readonly dir: string,
  ) {}

  static async start(sentinelCount = 1, timeoutMs = 30_000): Promise<RedisSentinelSet> {
    const dir = await mkdtemp(join(tmpdir(), 'mc-sentinel-'));
    const started: { stop(): Promise<void> }[] = [];
    try {
      const master = await RedisServer.start();
      started.push(master);
      const replica = await RedisServer.start(['--replicaof', '127.0.0.1', String(master.port)]);
      started.push(replica);
      await pollUntil(
        'replica in sync',
        async () => infoField(await redisCli(replica.port, ['info', 'replication']), 'master_link_status') === 'up',
        timeoutMs,
      );
      const sentinels: SentinelProcess[] = [];
      for (let i = 0; i < sentinelCount; i++) {
        sentinels.push(await SentinelProcess.start(dir, master.port));
        started.push(sentinels[i]);
      }
      const set = new RedisSentinelSet(master, replica, sentinels, dir);
      await pollUntil('sentinels know the master and its replica', () => set.settled(master.port), timeoutMs);
      return set;
    } catch (error) {
      await Promise.all(started.map((p) => p.stop()));
      await rm(dir, { recursive: true, force: true });
      throw error;
    }
  }

  /** `REDIS_SENTINELS` for the service. */
  get sentinelNodes(): string {
    return this.sentinels.map((s) => `127.0.0.1:${s.port}`).join(',');
  }

  /** The master's port as the first Sentinel reports it. */
  async masterPort(): Promise<number> {
    const reply = await redisCli(this.sentinels[0].port, ['sentinel', 'get-master-addr-by-name', SENTINEL_MASTER], 2000);
    return Number(reply.trim().split('\n')[1]);
  }

  /** Resolves with the new master once the first Sentinel reports one other than `oldPort` (the replica was promoted). */
  async waitForFailover(oldPort: number, timeoutMs: number): Promise<number> {
    let port = oldPort;
    await pollUntil('sentinel failover', async () => (port = await this.masterPort()) !== oldPort, timeoutMs, 50);
    return port;
  }

  async stop(): Promise<void> {
    await Promise.all([...this.sentinels.map((s) => s.stop()), this.master.stop(), this.replica.stop()]);
    await rm(this.dir, { recursive: true, force: true });
  }

  private async settled(masterPort: number): Promise<boolean> {
    for (const sentinel of this.sentinels) {
      const master = await redisCli(sentinel.port, ['sentinel', 'get-master-addr-by-name', SENTINEL_MASTER], 2000);
      const replicas = await redisCli(sentinel.port, ['sentinel', 'replicas', SENTINEL_MASTER], 2000);
      if (Number(master.trim().split('\n')[1]) !== masterPort) return false;
      // One replica whose flags are exactly "slave": known and not (subjectively) down.
      const lines = replicas.split('\n').map((line) => line.trim());
      if (!lines.some((line, i) => line === 'flags' && lines[i + 1] === 'slave')) return false;
    }
    return true;
  }
}

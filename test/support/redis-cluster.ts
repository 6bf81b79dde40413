import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port';
import { infoField, pollUntil, redisCli } from './redis-cli';
import { RedisServer } from './redis-server';

/** Distinct free loopback ports (freePort alone may hand out the same one twice). */
async function distinctPorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort());
  return [...ports];
}

/**
 * A private Redis Cluster of `masters` nodes (no replicas) on free loopback ports, built the way an
 * operator would: `redis-server --cluster-enabled yes` per node, then `redis-cli --cluster create`.
 * Node configs live in a temp dir that `stop()` removes; nothing is persisted.
 */
export class RedisCluster {
  private constructor(
    readonly nodes: RedisServer[],
    private readonly dir: string,
  ) {}

  static async start(masters = 3, timeoutMs = 60_000): Promise<RedisCluster> {
    const dir = await mkdtemp(join(tmpdir(), 'mc-cluster-'));
    // Data ports and cluster-bus ports: `port + 10000` may be taken or out of range, so the bus port is explicit.
    const ports = await distinctPorts(masters * 2);
    const nodes: RedisServer[] = [];
    const cluster = new RedisCluster(nodes, dir);
    try {
      for (let i = 0; i < masters; i++) {
        const [port, busPort] = [ports[i], ports[masters + i]];
        nodes.push(
          await RedisServer.startOn(port, [
            '--cluster-enabled', 'yes',
            '--cluster-config-file', join(dir, `nodes-${port}.conf`),
            '--cluster-port', String(busPort),
            '--cluster-node-timeout', '5000',
            '--dir', dir,
          ]),
        );
      }
      const addresses = nodes.map((n) => `127.0.0.1:${n.port}`);
      await redisCli(nodes[0].port, ['--cluster', 'create', ...addresses, '--cluster-replicas', '0', '--cluster-yes'], timeoutMs);
      await pollUntil(
        'cluster_state:ok on every node',
        async () => {
          const states = await Promise.all(nodes.map(async (n) => infoField(await redisCli(n.port, ['cluster', 'info']), 'cluster_state')));
          return states.every((s) => s === 'ok');
        },
        timeoutMs,
      );
      return cluster;
    } catch (error) {
      await cluster.stop();
      throw error;
    }
  }

  /** `REDIS_CLUSTER_NODES` for the service: every node, comma-separated. */
  get rootNodes(): string {
    return this.nodes.map((n) => `127.0.0.1:${n.port}`).join(',');
  }

  /** Keys matching `pattern` held by each node (`redis-cli --scan`), in node order. */
  async keysPerNode(pattern = '*'): Promise<number[]> {
    return Promise.all(
      this.nodes.map(async (n) => (await redisCli(n.port, ['--scan', '--pattern', pattern])).split('\n').filter(Boolean).length),
    );
  }

  /** Calls of `command` served by each node so far (`INFO commandstats`), in node order. */
  async callsPerNode(command: string): Promise<number[]> {
    return Promise.all(
      this.nodes.map(async (n) => {
        const stats = await redisCli(n.port, ['info', 'commandstats']);
        return Number(new RegExp(`cmdstat_${command}:calls=(\\d+)`).exec(stats)?.[1] ?? 0);
      }),
    );
  }

  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.stop()));
    await rm(this.dir, { recursive: true, force: true });
  }
}

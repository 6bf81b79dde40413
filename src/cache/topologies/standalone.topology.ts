import type { RedisNodeAddress } from '../../config/cache.config';
import type { RedisClient } from '../redis-client.factory';
import type { RedisSubscriber } from '../redis-topology';
import { NodeSubscriber } from './node-subscriber';
import { SingleNodeTopology } from './single-node.topology';

/** One Redis server through one node-redis client, which reconnects to it by itself forever. */
export class StandaloneTopology extends SingleNodeTopology<RedisClient> {
  readonly kind = 'standalone' as const;

  constructor(
    client: RedisClient,
    private readonly nodeClient: (node?: RedisNodeAddress) => RedisClient,
  ) {
    super(client);
    client.on('ready', () => this.emit('ready'));
    client.on('error', (error: Error) => this.emit('error', error));
  }

  async connect(): Promise<void> {
    await this.client.connect();
  }

  close(): Promise<void> {
    return this.client.close();
  }

  destroy(): void {
    if (this.client.isOpen) this.client.destroy();
  }

  createSubscriber(): RedisSubscriber {
    return new NodeSubscriber({ create: () => this.nodeClient() });
  }
}

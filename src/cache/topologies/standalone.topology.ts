import type { RedisNodeAddress } from '../../config/cache.config';
import type { RedisClient } from '../redis-client.factory';
import type { RedisSubscriber } from '../redis-topology';
import { NodeSubscriber } from './node-subscriber';
import { isParserError } from './reply-checks';
import { SingleNodeTopology } from './single-node.topology';

/**
 * One Redis server through one node-redis client, which reconnects to it by itself forever. A
 * reset replaces that client with a new one on the same server.
 *
 * node-redis bounds the TCP connect (`connectTimeout`) but not the handshake after it (CLIENT
 * SETINFO, AUTH, SELECT): a handshake reply lost or damaged on the way leaves the client
 * connecting forever, never ready, never retrying. A client whose handshake has not finished
 * `handshakeTimeoutMs` after its socket connected is replaced (`stalled`).
 */
export class StandaloneTopology extends SingleNodeTopology<RedisClient> {
  readonly kind = 'standalone' as const;
  private closed = false;

  constructor(
    client: RedisClient,
    private readonly nodeClient: (node?: RedisNodeAddress) => RedisClient,
    private readonly handshakeTimeoutMs = 2000,
  ) {
    super(client);
    this.listenTo(client);
  }

  async connect(): Promise<void> {
    await this.client.connect();
  }

  close(): Promise<void> {
    this.closed = true;
    return this.client.close();
  }

  destroy(): void {
    this.closed = true;
    if (this.client.isOpen) this.client.destroy();
  }

  createSubscriber(): RedisSubscriber {
    return new NodeSubscriber({ create: () => this.nodeClient() });
  }

  protected replaceClient(): void {
    const previous = this.client;
    if (this.closed) return;
    this.client = this.nodeClient();
    this.listenTo(this.client);
    // node-redis rejects everything queued on it (DisconnectsClientError; ClientResetError for our callers).
    if (previous.isOpen) previous.destroy();
    // Retries by itself (reconnectStrategy); failures surface as 'error' like any outage.
    this.client.connect().catch(() => undefined);
  }

  /**
   * Only the current client speaks for the topology. node-redis reports a parser failure as an
   * 'error' while the socket stays up and ready (a socket failure marks it not ready first), and
   * carries on with its queue out of step: that client is replaced at once.
   */
  private listenTo(client: RedisClient): void {
    let handshake: NodeJS.Timeout | undefined;
    client.on('connect', () => {
      clearTimeout(handshake);
      handshake = setTimeout(() => client === this.client && client.isOpen && !client.isReady && this.reset('stalled'), this.handshakeTimeoutMs);
      handshake.unref();
    });
    client.on('end', () => clearTimeout(handshake));
    client.on('ready', () => {
      clearTimeout(handshake);
      if (client === this.client) this.emit('ready');
    });
    client.on('error', (error: Error) => {
      if (client !== this.client) return;
      if (client.isReady || isParserError(error)) return this.reset('protocol-error');
      this.emit('error', error);
    });
  }
}

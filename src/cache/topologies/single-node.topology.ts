import { EventEmitter } from 'node:events';
import type { EntryWrite, RedisSubscriber, RedisTopology, RedisTopologyKind, ScanPage, SetOptions } from '../redis-topology';
import { planWrites, queueWrites, type WriteQueue } from './entry-writes';

/**
 * The node-redis commands a single-master topology runs: a plain client and a Sentinel client
 * both offer them with the same meaning (the Sentinel client sends them to the current master).
 */
export interface SingleNodeCommands {
  readonly isReady: boolean;
  readonly isOpen: boolean;
  get(key: string): Promise<Buffer | null>;
  mGet(keys: string[]): Promise<(Buffer | null)[]>;
  set(key: string, value: string | Buffer, options?: SetOptions): Promise<unknown>;
  multi(): WriteQueue & { exec(): Promise<unknown> };
  unlink(keys: string | string[]): Promise<number>;
  scan(cursor: string, options: { MATCH: string; COUNT: number }): Promise<{ cursor: unknown; keys: unknown[] }>;
  sMembers(key: string): Promise<unknown[]>;
  pTTL(key: string): Promise<number>;
  exists(key: string): Promise<number>;
  publish(channel: string, message: string): Promise<number>;
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
  ping(): Promise<unknown>;
  info(section?: string): Promise<unknown>;
}

/**
 * Standalone and Sentinel: one master holds every key, so multi-key commands go as they are (one
 * MGET, one UNLINK, one MULTI for a whole batch) and SCAN's own cursor pages through everything.
 * Subclasses own the connection lifecycle and the pub/sub connection.
 */
export abstract class SingleNodeTopology<C extends SingleNodeCommands> extends EventEmitter implements RedisTopology {
  abstract readonly kind: RedisTopologyKind;

  protected constructor(protected readonly client: C) {
    super();
  }

  get isReady(): boolean {
    return this.client.isReady;
  }

  get isOpen(): boolean {
    return this.client.isOpen;
  }

  abstract connect(): Promise<void>;
  abstract close(): Promise<void>;
  abstract destroy(): void;
  abstract createSubscriber(): RedisSubscriber;

  get(key: string): Promise<Buffer | null> {
    return this.client.get(key);
  }

  mGet(keys: readonly string[]): Promise<(Buffer | null)[]> {
    return this.client.mGet([...keys]);
  }

  /** 'OK', or null when NX found the key. */
  async set(key: string, value: string | Buffer, options?: SetOptions): Promise<string | null> {
    const reply = await this.client.set(key, value, options);
    return reply === null ? null : String(reply);
  }

  /** One MULTI for the whole batch: one round trip, all or nothing. */
  async writeEntries(entries: readonly EntryWrite[]): Promise<void> {
    if (entries.length === 0) return;
    const multi = this.client.multi();
    for (const group of planWrites(entries)) queueWrites(multi, group);
    await multi.exec();
  }

  unlink(keys: string | readonly string[]): Promise<number> {
    return this.client.unlink(typeof keys === 'string' ? keys : [...keys]);
  }

  async scan(cursor: string, match: string, count: number): Promise<ScanPage> {
    const page = await this.client.scan(cursor, { MATCH: match, COUNT: count });
    return { cursor: String(page.cursor), keys: page.keys.map(String) };
  }

  async sMembers(key: string): Promise<string[]> {
    return (await this.client.sMembers(key)).map(String);
  }

  pTTL(key: string): Promise<number> {
    return this.client.pTTL(key);
  }

  exists(key: string): Promise<number> {
    return this.client.exists(key);
  }

  publish(channel: string, message: string): Promise<number> {
    return this.client.publish(channel, message);
  }

  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown> {
    return this.client.eval(script, options);
  }

  async ping(): Promise<string> {
    return String(await this.client.ping());
  }

  async info(section?: string): Promise<string> {
    return String(await this.client.info(section));
  }
}

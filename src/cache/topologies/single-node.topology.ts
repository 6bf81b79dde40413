import { EventEmitter } from 'node:events';
import type { EntryWrite, RedisResetReason, RedisSubscriber, RedisTopology, RedisTopologyKind, ScanPage, SetOptions } from '../redis-topology';
import { planWrites, queueWrites, type WriteQueue } from './entry-writes';
import {
  isArray,
  isBulkArray,
  isBulkOrNull,
  isInteger,
  isPong,
  isScanPage,
  isSetReply,
  isText,
  sendChecked,
} from './reply-checks';

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

const always = () => true;

/**
 * Standalone and Sentinel: one master holds every key, so multi-key commands go as they are (one
 * MGET, one UNLINK, one MULTI for a whole batch) and SCAN's own cursor pages through everything.
 * Subclasses own the connection lifecycle, the pub/sub connection and how a client is replaced.
 *
 * Every reply is checked against the shape its command can answer; one that cannot be right
 * means the connection is out of step, and the client is replaced (`reset`) before it answers
 * anything else. Each client is a generation: replies and errors of a replaced one are told apart.
 */
export abstract class SingleNodeTopology<C extends SingleNodeCommands> extends EventEmitter implements RedisTopology {
  abstract readonly kind: RedisTopologyKind;
  /** Bumped by every reset: which client a command, a reply or an error belongs to. */
  private generation = 0;
  /** The generation each GET/MGET value came from, for `reset(reason, reply)`. */
  private readonly origin = new WeakMap<Buffer, number>();

  protected constructor(protected client: C) {
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
  /** Destroys the current client (rejecting its queue) and starts connecting its replacement. */
  protected abstract replaceClient(): void;

  reset(reason: RedisResetReason, reply?: Buffer): void {
    const from = reply && this.origin.get(reply);
    if (from !== undefined && from !== this.generation) return;
    this.generation++;
    this.replaceClient();
    this.emit('reset', reason);
  }

  async get(key: string): Promise<Buffer | null> {
    const reply = await this.command('GET', (c) => c.get(key), isBulkOrNull);
    if (reply) this.origin.set(reply, this.generation);
    return reply;
  }

  async mGet(keys: readonly string[]): Promise<(Buffer | null)[]> {
    const replies = await this.command('MGET', (c) => c.mGet([...keys]), isBulkArray(keys.length));
    for (const reply of replies) if (reply) this.origin.set(reply, this.generation);
    return replies;
  }

  /** 'OK', or null when NX found the key. */
  async set(key: string, value: string | Buffer, options?: SetOptions): Promise<string | null> {
    return (await this.command('SET', (c) => c.set(key, value, options), isSetReply)) as string | null;
  }

  /** One MULTI for the whole batch: one round trip, all or nothing. EXEC answers one reply per queued command. */
  async writeEntries(entries: readonly EntryWrite[]): Promise<void> {
    if (entries.length === 0) return;
    const groups = planWrites(entries);
    const queued = groups.reduce((n, group) => n + group.sets.length + 3 * group.indexAdds.length, 0);
    await this.command(
      'EXEC',
      (c) => {
        const multi = c.multi();
        for (const group of groups) queueWrites(multi, group);
        return multi.exec();
      },
      (reply) => Array.isArray(reply) && reply.length === queued,
    );
  }

  unlink(keys: string | readonly string[]): Promise<number> {
    return this.command('UNLINK', (c) => c.unlink(typeof keys === 'string' ? keys : [...keys]), isInteger);
  }

  async scan(cursor: string, match: string, count: number): Promise<ScanPage> {
    const page = await this.command('SCAN', (c) => c.scan(cursor, { MATCH: match, COUNT: count }), isScanPage);
    return { cursor: String(page.cursor), keys: page.keys.map(String) };
  }

  async sMembers(key: string): Promise<string[]> {
    return (await this.command('SMEMBERS', (c) => c.sMembers(key), isArray)).map(String);
  }

  pTTL(key: string): Promise<number> {
    return this.command('PTTL', (c) => c.pTTL(key), isInteger);
  }

  exists(key: string): Promise<number> {
    return this.command('EXISTS', (c) => c.exists(key), isInteger);
  }

  publish(channel: string, message: string): Promise<number> {
    return this.command('PUBLISH', (c) => c.publish(channel, message), isInteger);
  }

  /** Scripts answer what they like: no shape to check. */
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown> {
    return this.command('EVAL', (c) => c.eval(script, options), always);
  }

  async ping(): Promise<string> {
    return String(await this.command('PING', (c) => c.ping(), isPong));
  }

  async info(section?: string): Promise<string> {
    return String(await this.command('INFO', (c) => c.info(section), isText));
  }

  /**
   * Sends on the current client. A reply of the wrong shape resets the client (unless it was
   * already replaced meanwhile) and rejects; a command whose client was replaced while it was in
   * flight rejects with `ClientResetError`, whatever node-redis said.
   */
  private command<R>(name: string, send: (client: C) => Promise<R>, valid: (reply: unknown) => boolean): Promise<R> {
    return sendChecked(name, () => this.generation, () => this.reset('reply-mismatch'), () => send(this.client), valid);
  }
}

import { LRUCache } from 'lru-cache';

/**
 * When each dependency tag was last invalidated, on this replica or (through the bus) another, as
 * a counter of invalidations. A factory notes the counter before it reads its inputs; if one of
 * the tags it ends up with was invalidated meanwhile, its result was built from data an operator
 * just threw away, and it is answered but not cached (`FactoryRunner`). Without this a slow
 * factory would publish the old data right after the invalidation and undo it.
 */
export class InvalidationLog {
  private counter = 0;
  /** Pattern deletes: any entry may have gone, so everything in flight counts as invalidated. */
  private lastWholesale = 0;
  /** Tags forgotten by the bound count as invalidated at their time (conservative, never wrong). */
  private forgottenUpTo = 0;
  private readonly tags = new LRUCache<string, number>({
    max: 10_000,
    dispose: (at) => (this.forgottenUpTo = Math.max(this.forgottenUpTo, at)),
  });

  /** The counter now: what a factory notes before it starts. */
  get current(): number {
    return this.counter;
  }

  /** Notes that entries carrying any of `tags` are being dropped. Call before deleting. */
  invalidateTags(tags: Iterable<string>): void {
    const at = ++this.counter;
    for (const tag of tags) this.tags.set(tag, at);
  }

  /** Notes a delete that may have hit any entry (a key pattern). */
  invalidateAll(): void {
    this.lastWholesale = ++this.counter;
  }

  /** Whether an entry carrying `tags`, built from inputs read after `since`, may no longer be published. */
  invalidatedSince(since: number, tags: readonly string[]): boolean {
    if (this.lastWholesale > since || this.forgottenUpTo > since) return true;
    return tags.some((tag) => (this.tags.get(tag) ?? 0) > since);
  }
}

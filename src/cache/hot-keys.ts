import { LRUCache } from 'lru-cache';
import type { PolicyName } from './cache-policies';
import type { Factory, WrapOptions } from './cache-stack';

/** How a hot key can be recomputed without its caller: what `wrap` was last given for it. */
export interface KeyRecipe {
  policy: PolicyName;
  factory: Factory<unknown>;
  options?: WrapOptions<unknown>;
}

export interface HotKey {
  key: string;
  hits: number;
}

// Counts are halved every window, so "hot" means recently requested, not requested once long ago.
const DECAY_WINDOW_MS = 5 * 60_000;

/**
 * The most requested keys, bounded: an LRU of request counts (the rarely requested fall out
 * first) plus, for keys read through `wrap`, the recipe to refresh them ahead of expiry.
 */
export class HotKeys {
  private readonly counts: LRUCache<string, { hits: number }>;
  private readonly recipes: LRUCache<string, KeyRecipe>;
  private lastDecay: number;

  constructor(
    maxKeys: number,
    maxRecipes: number,
    private readonly now: () => number = Date.now,
  ) {
    this.counts = new LRUCache({ max: maxKeys });
    this.recipes = new LRUCache({ max: maxRecipes });
    this.lastDecay = now();
  }

  record(key: string, recipe?: KeyRecipe): void {
    const counter = this.counts.get(key);
    if (counter) counter.hits++;
    else this.counts.set(key, { hits: 1 });
    if (recipe) this.recipes.set(key, recipe);
    if (this.now() - this.lastDecay > DECAY_WINDOW_MS) this.decay();
  }

  /** The `limit` most requested keys, most requested first. */
  top(limit: number): HotKey[] {
    const all: HotKey[] = [];
    for (const [key, { hits }] of this.counts.entries()) all.push({ key, hits });
    return all.sort((a, b) => b.hits - a.hits || a.key.localeCompare(b.key)).slice(0, limit);
  }

  recipe(key: string): KeyRecipe | undefined {
    return this.recipes.get(key);
  }

  forget(key: string): void {
    this.counts.delete(key);
    this.recipes.delete(key);
  }

  private decay(): void {
    this.lastDecay = this.now();
    for (const [key, counter] of this.counts.entries()) {
      counter.hits = Math.floor(counter.hits / 2);
      if (counter.hits === 0) this.counts.delete(key);
    }
  }
}

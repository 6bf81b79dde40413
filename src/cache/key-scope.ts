import { createHash } from 'node:crypto';
import { MODEL_POLICIES, POLICY_NAMES, type PolicyName } from './cache-policies';

/**
 * What the data behind the cache is made of (`market-data/source-identity.ts`) and which model
 * answers predictions (`inference/model-identity.ts`). Any string; only equality matters.
 */
export interface CacheGeneration {
  source: string;
  model: string;
}

/**
 * Puts the source generation into every key: `v1:price:AAPL` is stored as `v1:price:@Xk3f9aQ2:AAPL`,
 * where the `@` part is a hash of the data source (plus the model for policies whose values embed a
 * prediction). A key part never holds a raw `@` (parts are percent-encoded), so the form is
 * unambiguous and scoping is idempotent. Two generations on one Redis or disk tier never read each
 * other's values; policy patterns (`v1:price:*`) and symbol patterns (`*AAPL*`) still match.
 */
export class KeyScope {
  private readonly marks: Map<string, string>;

  constructor(generation: CacheGeneration) {
    this.marks = new Map(
      POLICY_NAMES.map((policy: PolicyName) => {
        const identity = MODEL_POLICIES.includes(policy) ? `${generation.source}\n${generation.model}` : generation.source;
        return [policy, `@${generationMark(identity)}`];
      }),
    );
  }

  /** The stored form of a logical key; a key already scoped, or not one of ours, is returned as is. */
  scope(key: string): string {
    const first = key.indexOf(':');
    const second = first < 0 ? -1 : key.indexOf(':', first + 1);
    if (second < 0 || key.charCodeAt(second + 1) === 64 /* @ */) return key;
    const mark = this.marks.get(key.slice(first + 1, second));
    return mark === undefined ? key : `${key.slice(0, second + 1)}${mark}${key.slice(second)}`;
  }

  /** The generation mark of a policy (`@` + 8 characters), for operators and docs. */
  markOf(policy: PolicyName): string {
    return this.marks.get(policy)!;
  }
}

/** No generation: keys are stored as built (unit tests of the stack alone). */
export const UNSCOPED = { scope: (key: string) => key } as const;

export type KeyScoper = Pick<KeyScope, 'scope'>;

/** A short, key- and path-safe form of an identity: 8 characters of its SHA-256. */
export function generationMark(identity: string): string {
  return createHash('sha256').update(identity).digest('base64url').replace(/[-_]/g, 'x').slice(0, 8);
}

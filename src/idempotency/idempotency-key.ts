import { createHash } from 'node:crypto';
import { InvalidArgumentError } from '../common/errors';

/** The request header; its value is 1-128 characters of letters, digits and `-_.:~`. */
export const IDEMPOTENCY_HEADER = 'idempotency-key';
/** Set on an answer that repeats the first one (`true`). */
export const REPLAYED_HEADER = 'idempotent-replayed';
const KEY_PATTERN = /^[A-Za-z0-9._:~-]{1,128}$/;

/** The header's value, validated; undefined when absent. @throws InvalidArgumentError (400) */
export function parseIdempotencyKey(value: string | string[] | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (Array.isArray(value) || !KEY_PATTERN.test(value)) {
    throw new InvalidArgumentError('Idempotency-Key must be one header of 1-128 characters: letters, digits and - _ . : ~');
  }
  return value;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** JSON with object keys sorted, so two equal bodies hash alike whatever their key order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonical((value as Record<string, unknown>)[key])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** What makes two requests "the same": method, path and query, caller and body. */
export function requestFingerprint(method: string, url: string, caller: string, body: unknown): string {
  return sha256(`${method}\n${url}\n${caller}\n${canonical(body ?? null)}`);
}

/** Where a caller's key is stored: the caller and key hashed (no secret nor raw input in a Redis key). */
export function idempotencyScope(caller: string, key: string): string {
  return sha256(`${caller}\n${key}`).slice(0, 40);
}

/**
 * A UUID (version-4 layout) derived from the caller and the key: a retried create gets the same
 * resource id, so a first attempt that landed late (outcome unknown) and the retry are one record.
 */
export function idempotentId(caller: string, key: string): string {
  const hex = sha256(`id\n${caller}\n${key}`);
  const variant = ((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

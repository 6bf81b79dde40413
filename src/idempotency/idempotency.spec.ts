import { isUUID } from 'class-validator';
import { InvalidArgumentError } from '../common/errors';
import { idempotencyScope, idempotentId, parseIdempotencyKey, requestFingerprint } from './idempotency-key';
import { MemoryIdempotencyStore } from './idempotency-store';

describe('Idempotency-Key helpers', () => {
  it('accepts 1-128 safe characters and refuses anything else (one header only)', () => {
    expect(parseIdempotencyKey(undefined)).toBeUndefined();
    expect(parseIdempotencyKey('a')).toBe('a');
    expect(parseIdempotencyKey('Order_42.retry:1~x-y')).toBe('Order_42.retry:1~x-y');
    expect(parseIdempotencyKey('k'.repeat(128))).toHaveLength(128);
    for (const bad of ['', 'k'.repeat(129), 'a b', 'a/b', 'é', 'a\nb']) expect(() => parseIdempotencyKey(bad)).toThrow(InvalidArgumentError);
    expect(() => parseIdempotencyKey(['a', 'b'])).toThrow(InvalidArgumentError);
  });

  it('derives a stable v4-shaped UUID per caller and key', () => {
    const id = idempotentId('alice', 'order-1');
    expect(isUUID(id, 4)).toBe(true);
    expect(idempotentId('alice', 'order-1')).toBe(id);
    expect(idempotentId('bob', 'order-1')).not.toBe(id);
    expect(idempotencyScope('alice', 'k')).not.toBe(idempotencyScope('bob', 'k'));
  });

  it('fingerprints equal bodies alike whatever their key order, and tells different ones apart', () => {
    const a = requestFingerprint('POST', '/api/v1/alerts', 'alice', { symbol: 'AAPL', percent: 5, nested: { x: 1, y: [1, 2] } });
    const b = requestFingerprint('POST', '/api/v1/alerts', 'alice', { nested: { y: [1, 2], x: 1 }, percent: 5, symbol: 'AAPL' });
    expect(a).toBe(b);
    expect(requestFingerprint('POST', '/api/v1/alerts', 'alice', { symbol: 'AAPL', percent: 6, nested: { x: 1, y: [1, 2] } })).not.toBe(a);
    expect(requestFingerprint('DELETE', '/api/v1/alerts', 'alice', null)).not.toBe(requestFingerprint('POST', '/api/v1/alerts', 'alice', null));
  });
});

describe('MemoryIdempotencyStore', () => {
  it('claims, reports in-flight and mismatches, replays the answer, frees on release, and forgets after its TTLs', async () => {
    let now = 0;
    const store = new MemoryIdempotencyStore({ pendingMs: 1000, answerMs: 5000 }, () => now);
    expect(await store.begin('s', 'fp', 't1')).toEqual({ kind: 'started' });
    expect(await store.begin('s', 'fp', 't2')).toEqual({ kind: 'in-flight' });
    expect(await store.begin('s', 'other', 't3')).toEqual({ kind: 'mismatch' });
    await store.release('s', 'fp', 't2'); // not the holder: nothing happens
    expect(await store.begin('s', 'fp', 't4')).toEqual({ kind: 'in-flight' });
    await store.release('s', 'fp', 't1');
    expect(await store.begin('s', 'fp', 't5')).toEqual({ kind: 'started' });
    await store.complete('s', 'fp', 't5', { status: 201, body: { id: 'x' } });
    expect(await store.begin('s', 'fp', 't6')).toEqual({ kind: 'replay', answer: { status: 201, body: { id: 'x' } } });
    now = 5001;
    expect(await store.begin('s', 'fp', 't7')).toEqual({ kind: 'started' });
    // A claim whose replica died lapses.
    now = 6002;
    expect(await store.begin('s', 'fp', 't8')).toEqual({ kind: 'started' });
  });
});

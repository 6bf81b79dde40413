/**
 * L2 hit latency: `CacheService.get` of a ~1 KB value that L1 does not hold (CACHE_L1_MAX_ENTRY_BYTES
 * below the entry's size, so every get is one Redis GET plus our decoding), next to a raw node-redis
 * `GET` of the same key on its own connection to the same private redis-server, and to that raw GET
 * followed by the same decoding (`v8.deserialize`), for context. In process, one call in flight;
 * the three alternate call by call (their order rotating) in rounds, so the shared machine's noise
 * hits them alike. `npm run bench:l2-latency`; writes the "L2 hit latency" section of docs/BENCHMARKS.md.
 */
import { createClient, RESP_TYPES } from '@redis/client';
import { deserialize } from 'node:v8';
import { CacheKeys, CacheService } from '../src/cache';
import { RedisServer } from '../test/support/redis-server';
import { bootBenchApp } from './bench-app';
import { defaultPeerBody } from './peers/nest-cache-manager.app';
import { environment, recordTargets, table, writeSection } from './report';
import { median, quantile } from '../test/support/latency';

const ROUNDS = 20;
const CALLS_PER_ROUND = 1_000;
const WARMUP_CALLS = 3_000;
const TARGET_EXTRA_MS = 0.3;

interface Variant {
  label: string;
  call: () => Promise<unknown>;
  samples: number[];
  /** p50 of each round, for the per-round differences. */
  roundP50s: number[];
}

const fmt = (ms: number) => ms.toFixed(3);

async function main(): Promise<void> {
  const redis = await RedisServer.start();
  const prefix = `l2lat${Date.now()}:`;
  // Any entry above 64 bytes skips L1: every get below is an L2 hit.
  const app = await bootBenchApp({ REDIS_ENABLED: 'true', REDIS_URL: redis.url, REDIS_PREFIX: prefix, CACHE_L1_MAX_ENTRY_BYTES: '64' });
  const raw = createClient({ url: redis.url }).withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer });
  try {
    await raw.connect();
    const cache = app.get(CacheService);
    const key = CacheKeys.price('L2BENCH');
    const value = defaultPeerBody();
    // The app's Redis connection may still be opening (writes skip L2 until it is): retry until the value is there.
    let bytes: Buffer | null = null;
    for (let attempt = 0; attempt < 100 && !bytes; attempt++) {
      await cache.set('price', key, value, { ttlMs: 3_600_000 });
      bytes = await raw.get(prefix + key);
      if (!bytes) await new Promise((r) => setTimeout(r, 100));
    }
    if (!bytes) throw new Error(`the value is not in Redis under ${prefix}${key}`);
    if ((await cache.get(key)) === undefined) throw new Error('CacheService.get missed the value');

    const variants: Variant[] = [
      { label: 'ours: `CacheService.get` (L2 hit, decoded)', call: () => cache.get(key), samples: [], roundP50s: [] },
      { label: 'raw node-redis `GET` (bytes)', call: () => raw.get(prefix + key), samples: [], roundP50s: [] },
      { label: 'raw `GET` + `v8.deserialize` (context)', call: async () => deserialize((await raw.get(prefix + key)) as Buffer), samples: [], roundP50s: [] },
    ];
    const hitsBefore = () => cache.stats().policies.price ?? { hitsL1: 0, hitsL2: 0 };
    for (let i = 0; i < WARMUP_CALLS; i++) for (const v of variants) await v.call();

    const before = hitsBefore();
    for (let round = 0; round < ROUNDS; round++) {
      const roundSamples = variants.map(() => [] as number[]);
      for (let i = 0; i < CALLS_PER_ROUND; i++) {
        for (let j = 0; j < variants.length; j++) {
          // Rotate who goes first, so no variant always follows the same one.
          const index = (i + j) % variants.length;
          const started = performance.now();
          await variants[index].call();
          roundSamples[index].push(performance.now() - started);
        }
      }
      variants.forEach((v, i) => {
        v.samples.push(...roundSamples[i]);
        v.roundP50s.push(median(roundSamples[i]));
      });
      console.log(`round ${round + 1}: p50 ${variants.map((v) => `${v.label} ${fmt(v.roundP50s[round])} ms`).join(', ')}`);
    }
    const after = hitsBefore();
    const measuredCalls = ROUNDS * CALLS_PER_ROUND;
    if (after.hitsL1 !== before.hitsL1 || after.hitsL2 - before.hitsL2 !== measuredCalls) {
      throw new Error(`expected ${measuredCalls} L2 hits and no L1 hit, got ${after.hitsL2 - before.hitsL2} L2 and ${after.hitsL1 - before.hitsL1} L1`);
    }

    const [ours, rawGet, rawDecoded] = variants;
    const p50 = (v: Variant) => quantile(v.samples, 0.5);
    const extra = p50(ours) - p50(rawGet);
    const perRoundExtra = ours.roundP50s.map((p, i) => p - rawGet.roundP50s[i]);
    const rows = variants.map((v) => [v.label, v.samples.length, fmt(p50(v)), fmt(quantile(v.samples, 0.9)), fmt(quantile(v.samples, 0.99)), fmt(p50(v) - p50(rawGet))]);
    const body = [
      `A ${bytes.length}-byte entry (a ~1 KB quote-like JSON object, encoded with its envelope) read from a private redis-server, in process, one call in flight. L1 holds nothing (\`CACHE_L1_MAX_ENTRY_BYTES=64\`): the ${measuredCalls.toLocaleString('en-US')} measured \`CacheService.get\` calls were all L2 hits (checked in the cache's counters). The raw client is \`@redis/client\` on its own connection, replies as Buffers.`,
      `${ROUNDS} rounds of ${CALLS_PER_ROUND.toLocaleString('en-US')} calls per variant, the variants alternating call by call (order rotating), after ${WARMUP_CALLS.toLocaleString('en-US')} warm-up calls each.`,
      '',
      table(['variant', 'calls', 'p50 ms', 'p90 ms', 'p99 ms', 'p50 − raw GET p50, ms'], rows),
      '',
      `Ours − raw GET at p50: ${fmt(extra)} ms over all samples; per round ${fmt(Math.min(...perRoundExtra))} … ${fmt(Math.max(...perRoundExtra))} ms (median ${fmt(median(perRoundExtra))}). Decoding alone (raw GET + deserialize − raw GET): ${fmt(p50(rawDecoded) - p50(rawGet))} ms. Target: within +${TARGET_EXTRA_MS} ms.`,
      '',
      environment(),
    ].join('\n');
    console.log(body);
    writeSection('L2 hit latency', body);
    recordTargets('l2-latency', [
      {
        scenario: 'L2 hit (L1 empty or disabled)',
        comparedWith: 'a raw node-redis `GET` of the same value',
        target: `p50 within +${TARGET_EXTRA_MS} ms`,
        measured: `p50 ${fmt(p50(ours))} vs ${fmt(p50(rawGet))} ms: +${fmt(extra)} ms (per-round median +${fmt(median(perRoundExtra))} ms; ${ROUNDS} × ${CALLS_PER_ROUND} interleaved calls)`,
        met: extra <= TARGET_EXTRA_MS,
      },
    ]);
  } finally {
    await raw.quit().catch(() => undefined);
    await app.close();
    await redis.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

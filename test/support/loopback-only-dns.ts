import { isIP } from 'node:net';

/**
 * The network rule for tests: traffic goes to loopback only. A name lookup is traffic too (this
 * machine's resolver is not on loopback), so in every test process names resolve from this table
 * and anything else fails at once with ENOTFOUND, no query sent. IP literals pass through. Tests
 * that need other names stub the app's own resolver (`WebhookNetwork.lookup`).
 */
const TABLE: Record<string, { address: string; family: 4 | 6 }[]> = {
  localhost: [
    { address: '127.0.0.1', family: 4 },
    { address: '::1', family: 6 },
  ],
};

type LookupOptions = { all?: boolean; family?: number | string } | number | undefined;

function answer(host: string, options: LookupOptions): { address: string; family: number }[] {
  const family = isIP(host);
  if (family !== 0) return [{ address: host, family }];
  const wanted = typeof options === 'object' ? Number(options.family ?? 0) : Number(options ?? 0);
  const found = (TABLE[host.toLowerCase().replace(/\.$/, '')] ?? []).filter((a) => !wanted || a.family === wanted);
  if (found.length === 0) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host} (tests resolve loopback names only)`), { code: 'ENOTFOUND', hostname: host });
  return found;
}

// The modules themselves (not an import's read-only namespace), so the app's own imports see the stubs.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const dns = require('node:dns') as typeof import('node:dns');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const dnsPromises = require('node:dns/promises') as typeof import('node:dns/promises');

const all = (options: LookupOptions) => typeof options === 'object' && options.all === true;

const promisedLookup = (async (host: string, options?: LookupOptions) => {
  const found = answer(host, options);
  return all(options) ? found : found[0];
}) as typeof dnsPromises.lookup;
dnsPromises.lookup = promisedLookup;
dns.promises.lookup = promisedLookup;

dns.lookup = ((host: string, options: unknown, callback?: unknown) => {
  const done = (typeof options === 'function' ? options : callback) as (error: Error | null, address?: unknown, family?: number) => void;
  const opts = (typeof options === 'function' ? undefined : options) as LookupOptions;
  process.nextTick(() => {
    try {
      const found = answer(host, opts);
      if (all(opts)) done(null, found);
      else done(null, found[0].address, found[0].family);
    } catch (error) {
      done(error as Error);
    }
  });
}) as typeof dns.lookup;

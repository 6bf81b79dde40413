import { buildHttpConfig, parseTrustProxy } from './http.config';
import type { EnvSchema } from './env.schema';

describe('TRUST_PROXY', () => {
  it('takes false, a hop count, or addresses, CIDRs and proxy-addr range names', () => {
    expect(parseTrustProxy('false')).toBe(false);
    expect(parseTrustProxy('2')).toBe(2);
    expect(parseTrustProxy('10.0.0.0/8, 127.0.0.1,::1,fd00::/8,loopback')).toEqual(['10.0.0.0/8', '127.0.0.1', '::1', 'fd00::/8', 'loopback']);
  });

  it('refuses true, out-of-range hop counts, bad CIDRs and names', () => {
    for (const bad of ['true', 'TRUE', '0', '11', '10.0.0.0/33', '::1/129', 'proxy.internal', '10.0.0.1/8/1']) expect(() => parseTrustProxy(bad)).toThrow();
  });
});

describe('HTTP timeouts', () => {
  it('defaults to 30 s per request, 10 s for headers, 72 s keep-alive, no idle bound', () => {
    expect(buildHttpConfig({} as EnvSchema)).toEqual({ requestTimeoutMs: 30_000, headersTimeoutMs: 10_000, keepAliveTimeoutMs: 72_000, connectionTimeoutMs: 0, trustProxy: false });
  });

  it('never lets the headers bound exceed the request bound (Node refuses it)', () => {
    expect(buildHttpConfig({ HTTP_REQUEST_TIMEOUT_MS: 3000, HTTP_HEADERS_TIMEOUT_MS: 8000 } as EnvSchema).headersTimeoutMs).toBe(3000);
    expect(buildHttpConfig({ HTTP_REQUEST_TIMEOUT_MS: 0, HTTP_HEADERS_TIMEOUT_MS: 8000 } as EnvSchema).headersTimeoutMs).toBe(8000);
  });
});

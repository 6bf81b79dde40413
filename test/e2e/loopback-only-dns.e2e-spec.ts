import { lookup as callbackLookup } from 'node:dns';
import { lookup } from 'node:dns/promises';
import { startApp } from '../support/app.builder';

// The jest setup's resolver (test/support/loopback-only-dns.ts): no test may send a DNS query.
describe('name lookups in tests', () => {
  it('resolve localhost and IP literals, and refuse every other name without a query', async () => {
    expect(await lookup('localhost', { all: true })).toContainEqual({ address: '127.0.0.1', family: 4 });
    expect(await lookup('127.0.0.1')).toEqual({ address: '127.0.0.1', family: 4 });
    await expect(lookup('hooks.example.com')).rejects.toMatchObject({ code: 'ENOTFOUND' });
    await expect(new Promise((resolve, reject) => callbackLookup('metadata.google.internal', (error, address) => (error ? reject(error) : resolve(address))))).rejects.toMatchObject({ code: 'ENOTFOUND' });
  });

  it('the documented webhook example (a public name) is refused by the app, not resolved on the network', async () => {
    const app = await startApp();
    const response = await app.inject({
      method: 'POST',
      url: '/api/v1/alerts',
      payload: { symbol: 'AAPL', condition: 'above', price: 1_000_000, ttlSeconds: 600, webhookUrl: 'https://hooks.example.com/alerts' },
    });
    expect(response.statusCode).toBe(400);
  });
});

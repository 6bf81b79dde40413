import Fastify from 'fastify';
import { L2Guard, L2SkippedInRequestError, L2TimeoutError } from './circuit-breaker';
import { installL2RequestScope, withL2RequestScope } from './l2-request-scope';

const options = { timeoutMs: 30, errorPercent: 50, minRequests: 1000, windowMs: 10_000, openMs: 5000 };
const never = () => new Promise<never>(() => undefined);
const ok = async () => 'ok';

describe('one L2 deadline per request', () => {
  it('after a timeout inside a request scope, the rest of that request skips L2 at once; other scopes do not', async () => {
    const guard = new L2Guard(options);
    await withL2RequestScope(async () => {
      await expect(guard.run(never)).rejects.toBeInstanceOf(L2TimeoutError);
      const started = performance.now();
      await expect(guard.run(ok)).rejects.toBeInstanceOf(L2SkippedInRequestError);
      expect(performance.now() - started).toBeLessThan(10);
    });
    await withL2RequestScope(async () => expect(await guard.run(ok)).toBe('ok'));
    // Outside any request: the breaker alone decides.
    expect(await guard.run(ok)).toBe('ok');
    expect(guard.state).toBe('closed');
  });

  it('work a request leaves running after its response reads L2 again', async () => {
    const guard = new L2Guard(options);
    const fastify = Fastify();
    installL2RequestScope(fastify);
    let background: Promise<string> | undefined;
    let release!: () => void;
    const responded = new Promise<void>((resolve) => (release = resolve));
    fastify.get('/', async () => {
      await guard.run(never).catch(() => undefined);
      const skipped = await guard.run(ok).catch((error: Error) => error.constructor.name);
      background = responded.then(() => guard.run(ok));
      return { skipped };
    });
    const response = await fastify.inject({ method: 'GET', url: '/' });
    expect(response.json()).toEqual({ skipped: 'L2SkippedInRequestError' });
    release();
    expect(await background).toBe('ok');
    await fastify.close();
  });
});

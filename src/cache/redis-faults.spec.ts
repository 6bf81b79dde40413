import { RedisFaults, redisRefusalOf } from './redis-faults';

const reply = (message: string) => Object.assign(new Error(message), { name: 'ErrorReply' });

describe('redis refusals', () => {
  it('classifies Redis error replies, also wrapped as a cause', () => {
    expect(redisRefusalOf(reply("OOM command not allowed when used memory > 'maxmemory'."))).toBe('OOM');
    expect(redisRefusalOf(reply("READONLY You can't write against a read only replica."))).toBe('READONLY');
    expect(redisRefusalOf(reply('MISCONF Redis is configured to save RDB snapshots, but it is currently not able to persist on disk.'))).toBe('MISCONF');
    expect(redisRefusalOf(reply("NOPERM User cache has no permissions to run the 'set' command"))).toBe('NOPERM');
    expect(redisRefusalOf(reply('WRONGPASS invalid username-password pair or user is disabled.'))).toBe('AUTH');
    expect(redisRefusalOf(reply('NOAUTH Authentication required.'))).toBe('AUTH');
    expect(redisRefusalOf(new Error('Master Client (127.0.0.1:1): failed', { cause: reply('READONLY no') }))).toBe('READONLY');
    for (const other of [new Error('Socket closed unexpectedly'), reply('WRONGTYPE Operation against a key holding the wrong kind of value'), 'OOM', undefined])
      expect(redisRefusalOf(other)).toBeUndefined();
  });

  it('keeps since and counts while the same refusal lasts, and clears on success', () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    const faults = new RedisFaults(() => now);
    faults.refused('OOM', 'OOM command not allowed');
    now += 5000;
    faults.refused('OOM', 'OOM command not allowed');
    expect(faults.writes).toEqual({ ok: false, reason: 'OOM', since: '2026-01-01T00:00:00.000Z', message: 'OOM command not allowed', failures: 2 });
    faults.refused('READONLY', 'READONLY');
    expect(faults.writes).toMatchObject({ reason: 'READONLY', since: '2026-01-01T00:00:05.000Z', failures: 1 });
    expect(faults.auth.ok).toBe(true);
    faults.writeSucceeded();
    expect(faults.writes).toEqual({ ok: true, reason: null, since: null, message: null, failures: 0 });
    faults.refused('AUTH', 'WRONGPASS');
    expect(faults.auth).toMatchObject({ ok: false, reason: 'AUTH' });
    faults.authSucceeded();
    expect(faults.auth.ok).toBe(true);
  });
});

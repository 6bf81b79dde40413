/**
 * Redis trouble that leaves the connection up, so the breaker and the backend never see it:
 * Redis refusing writes (`OOM command not allowed` under `maxmemory` with `noeviction`, `READONLY`
 * on a replica, `MISCONF` after a failed snapshot, `NOPERM` from an ACL) and refusing us
 * (`WRONGPASS`, `NOAUTH`). Reads may still be served; `/health` says `degraded` with the reason and
 * `/metrics` counts them, until a write (or, for auth, a connection) succeeds again.
 */

/** Why Redis refused a command, from its error reply. */
export type RedisRefusal = 'OOM' | 'READONLY' | 'MISCONF' | 'NOPERM' | 'AUTH';

/** Refusals that are Redis answering (not a failing link): the breaker does not count them, so reads go on. */
export const WRITE_REFUSALS: ReadonlySet<RedisRefusal> = new Set(['OOM', 'READONLY', 'MISCONF', 'NOPERM']);

/** The refusal an error reports (also through a wrapped `cause`), or undefined for anything else. */
export function redisRefusalOf(error: unknown): RedisRefusal | undefined {
  for (let e = error, depth = 0; e instanceof Error && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const message = e.message;
    if (/^OOM\b|OOM command not allowed/.test(message)) return 'OOM';
    if (/^READONLY\b|READONLY You can't write/.test(message)) return 'READONLY';
    if (/^MISCONF\b/.test(message)) return 'MISCONF';
    if (/^NOPERM\b/.test(message)) return 'NOPERM';
    if (/^(WRONGPASS|NOAUTH)\b|invalid username-password|Authentication required|invalid password/i.test(message)) return 'AUTH';
  }
  return undefined;
}

/** One condition as `/health` shows it: fine, or since when and why not. */
export interface RedisCondition {
  ok: boolean;
  /** Why not (`OOM`, `READONLY`, `MISCONF`, `NOPERM`, `AUTH`); null while ok. */
  reason: RedisRefusal | null;
  /** When it stopped being ok (ISO time); null while ok. */
  since: string | null;
  /** Redis' own words for the latest refusal (first 200 chars; never a password: Redis does not echo them). */
  message: string | null;
  /** Refusals seen since the last success. */
  failures: number;
}

/** A client reset this recent still shows as degraded (the connection was just out of step). */
export const RECENT_RESET_MS = 60_000;

const OK: RedisCondition = { ok: true, reason: null, since: null, message: null, failures: 0 };

export class RedisFaults {
  private writeState: RedisCondition = { ...OK };
  private authState: RedisCondition = { ...OK };

  constructor(private readonly now: () => number = Date.now) {}

  get writes(): RedisCondition {
    return { ...this.writeState };
  }

  get auth(): RedisCondition {
    return { ...this.authState };
  }

  /** A write (SET, lease, UNLINK) was refused, or an auth error answered a command or a handshake. */
  refused(reason: RedisRefusal, message: string): void {
    if (reason === 'AUTH') this.authState = failed(this.authState, reason, message, this.now());
    else this.writeState = failed(this.writeState, reason, message, this.now());
  }

  writeSucceeded(): void {
    if (!this.writeState.ok) this.writeState = { ...OK };
  }

  /** A command was answered (or the connection got ready): authentication works. */
  authSucceeded(): void {
    if (!this.authState.ok) this.authState = { ...OK };
  }
}

function failed(state: RedisCondition, reason: RedisRefusal, message: string, now: number): RedisCondition {
  return {
    ok: false,
    reason,
    since: state.ok || state.reason !== reason ? new Date(now).toISOString() : state.since,
    message: message.slice(0, 200),
    failures: state.reason === reason ? state.failures + 1 : 1,
  };
}

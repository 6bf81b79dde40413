import { Injectable, Logger } from '@nestjs/common';
import { StateConnection } from '../state/state-connection';
import type { DashboardSession } from './dashboard-session';

// Sessions revoked on this replica, kept until they would have expired anyway (bounded: an
// operator logs out a few times a day; past this, the oldest are forgotten first).
const MAX_LOCAL = 10_000;
// A guard waits at most this for the state store before trusting its own memory.
const STORE_TIMEOUT_MS = 250;

/**
 * Revoked dashboard sessions. A logout revokes its session's id until the session would have
 * expired: in the state store (`{REDIS_PREFIX}state:{dashboard}:revoked:<id>`, with that expiry),
 * so every replica refuses the old cookie, and in this replica's memory. Without Redis (disabled,
 * or not answering within 250 ms) a replica knows only the revocations made on itself: it logs
 * that once and admits a cookie revoked elsewhere until Redis answers again (the dashboard stays
 * reachable during a Redis outage, which is when operators need it).
 */
@Injectable()
export class DashboardSessions {
  private readonly logger = new Logger(DashboardSessions.name);
  private readonly local = new Map<string, number>();
  private warned = false;

  constructor(private readonly state: StateConnection) {}

  async revoke(session: DashboardSession, now = Date.now()): Promise<void> {
    this.remember(session, now);
    const client = this.state.client;
    if (!client?.isReady) return this.unshared('revocation stored on this replica only');
    try {
      await bounded(client.set(this.key(session.id), '1', { expiration: { type: 'PX', value: Math.max(1, session.expiresAt - now) } }));
    } catch (error) {
      this.unshared(`revocation stored on this replica only (${(error as Error).message})`);
    }
  }

  async isRevoked(session: DashboardSession, now = Date.now()): Promise<boolean> {
    const local = this.local.get(session.id);
    if (local !== undefined && local > now) return true;
    const client = this.state.client;
    if (!client?.isReady) return false;
    try {
      return (await bounded(client.exists(this.key(session.id)))) > 0;
    } catch (error) {
      this.unshared(`revocations of other replicas not checked (${(error as Error).message})`);
      return false;
    }
  }

  private key(id: string): string {
    return this.state.key(`{dashboard}:revoked:${id}`);
  }

  private remember(session: DashboardSession, now: number): void {
    for (const [id, expiresAt] of this.local) if (expiresAt <= now) this.local.delete(id);
    while (this.local.size >= MAX_LOCAL) this.local.delete(this.local.keys().next().value as string);
    this.local.set(session.id, session.expiresAt);
  }

  private unshared(what: string): void {
    if (this.warned || this.state.backend === 'memory') return;
    this.warned = true;
    this.logger.warn(`Dashboard sessions: Redis unavailable, ${what}`);
  }
}

function bounded<T>(call: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${STORE_TIMEOUT_MS} ms`)), STORE_TIMEOUT_MS);
    timer.unref();
  });
  return Promise.race([call, deadline]).finally(() => clearTimeout(timer));
}

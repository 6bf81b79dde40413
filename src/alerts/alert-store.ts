import { activeAlert, isExpired, type Alert, type AlertDefinition, type AlertEnding, type AlertEvent } from './alert-rules';
import { AlertLimitError } from './alerts.errors';

/** The store's bounds, from `ALERTS_*` (config/alerts.config.ts). */
export interface AlertStoreLimits {
  /** Active alerts per owner; 0 = no limit. */
  perOwner: number;
  /** Active alerts in all; 0 = no limit. */
  total: number;
  /** How long fired, expired and deleted alerts stay readable, ms. */
  historyRetentionMs: number;
  /** Entries the event log keeps (approximately, in Redis: `MAXLEN ~`). */
  eventsMax: number;
}

/** What a read finds: an alert (any status), or a record set aside because it did not parse. */
export type AlertLookup = { kind: 'alert'; alert: Alert } | { kind: 'quarantined' };

/** The outcome of `end`: `won` for exactly one caller across all replicas; a fired alert's log entry. */
export interface EndResult {
  won: boolean;
  event?: AlertEvent;
}

export type QuarantineListener = (id: string, reason: string) => void;

/**
 * Where alerts live: the state namespace in Redis, shared by every replica, or this process's
 * memory when Redis is disabled. An abstract class so it is the DI token.
 *
 * An alert is `active` until one transition ends it (`fired`, `expired`, `deleted`); the first
 * wins, atomically across replicas, and the ended alert stays readable for the history retention.
 * A fired alert's notification is appended, in the same step, to a bounded event log that SSE
 * streams replay from (`Last-Event-ID`).
 */
export abstract class AlertStore {
  protected quarantineListener?: QuarantineListener;

  /** Called once per record set aside (metrics, one log line). */
  onQuarantined(listener: QuarantineListener): void {
    this.quarantineListener = listener;
  }

  /**
   * Stores a new active alert. `unlimited`: skip the caps (alerts moved over from an old layout).
   * @throws AlertLimitError over a cap, StoreUnavailableError
   */
  abstract add(alert: AlertDefinition, options?: { unlimited?: boolean }): Promise<void>;
  /** Any status, within the history retention. @throws StoreUnavailableError */
  abstract get(id: string): Promise<AlertLookup | undefined>;
  /** Every active alert not past its expiry (the expired ones are ended on the way). @throws StoreUnavailableError */
  abstract list(): Promise<AlertDefinition[]>;
  /** Ends an active alert; see `EndResult`. @throws StoreUnavailableError */
  abstract end(id: string, ending: AlertEnding): Promise<EndResult>;
  /** Events of the log after `lastId` (exclusive), oldest first, at most `limit`. @throws StoreUnavailableError */
  abstract eventsAfter(lastId: string, limit: number): Promise<AlertEvent[]>;
}

/** `<ms>-<seq>` ids of the event log (Redis stream ids), compared numerically. */
export const EVENT_ID_PATTERN = /^\d{1,15}-\d{1,15}$/;

export function compareEventIds(a: string, b: string): number {
  const [am, as] = a.split('-').map(Number);
  const [bm, bs] = b.split('-').map(Number);
  return am - bm || as - bs;
}

/** Alerts of one process (REDIS_ENABLED=false): a single replica is assumed. */
export class MemoryAlertStore extends AlertStore {
  private readonly alerts = new Map<string, Alert>();
  private readonly activeByOwner = new Map<string, number>();
  private active = 0;
  private readonly log: AlertEvent[] = [];
  private lastEventMs = 0;
  private lastEventSeq = 0;

  constructor(
    private readonly limits: AlertStoreLimits,
    private readonly clock: () => Date = () => new Date(),
  ) {
    super();
  }

  async add(definition: AlertDefinition, options: { unlimited?: boolean } = {}): Promise<void> {
    if (this.alerts.has(definition.id)) throw new Error(`Alert ${definition.id} exists`);
    if (!options.unlimited) {
      this.sweep();
      const { perOwner, total } = this.limits;
      if (total > 0 && this.active >= total) throw new AlertLimitError('total', total);
      if (perOwner > 0 && (this.activeByOwner.get(definition.owner) ?? 0) >= perOwner) throw new AlertLimitError('owner', perOwner);
    }
    this.alerts.set(definition.id, activeAlert(definition));
    this.count(definition.owner, 1);
  }

  async get(id: string): Promise<AlertLookup | undefined> {
    this.sweep();
    const alert = this.alerts.get(id);
    return alert ? { kind: 'alert', alert: { ...alert } } : undefined;
  }

  async list(): Promise<AlertDefinition[]> {
    this.sweep();
    return [...this.alerts.values()].filter((a) => a.status === 'active');
  }

  async end(id: string, ending: AlertEnding): Promise<EndResult> {
    const alert = this.alerts.get(id);
    if (!alert || alert.status !== 'active') return { won: false };
    const expired = isExpired(alert, ending.at);
    const status = expired ? 'expired' : ending.status;
    // An alert found expired ended at its expiry, whoever notices.
    Object.assign(alert, { status, endedAt: expired ? alert.expiresAt : ending.at.toISOString() });
    this.count(alert.owner, -1);
    if (expired && ending.status !== 'expired') return { won: false };
    if (ending.status !== 'fired') return { won: true };
    alert.firedAt = ending.notification.firedAt;
    alert.firedPrice = ending.notification.price;
    const event: AlertEvent = { id: this.nextEventId(), owner: alert.owner, notification: ending.notification };
    this.log.push(event);
    if (this.log.length > this.limits.eventsMax) this.log.splice(0, this.log.length - this.limits.eventsMax);
    return { won: true, event };
  }

  async eventsAfter(lastId: string, limit: number): Promise<AlertEvent[]> {
    const after = this.log.filter((e) => compareEventIds(e.id, lastId) > 0);
    return after.slice(0, limit);
  }

  private nextEventId(): string {
    const ms = this.clock().getTime();
    if (ms > this.lastEventMs) {
      this.lastEventMs = ms;
      this.lastEventSeq = 0;
    } else this.lastEventSeq++;
    return `${this.lastEventMs}-${this.lastEventSeq}`;
  }

  private count(owner: string, delta: number): void {
    this.active += delta;
    const next = (this.activeByOwner.get(owner) ?? 0) + delta;
    if (next > 0) this.activeByOwner.set(owner, next);
    else this.activeByOwner.delete(owner);
  }

  /** Ends the expired alerts and forgets the ended ones past the history retention. */
  private sweep(): void {
    const now = this.clock();
    const forgetBefore = now.getTime() - this.limits.historyRetentionMs;
    for (const [id, alert] of this.alerts) {
      if (alert.status === 'active' && isExpired(alert, now)) {
        Object.assign(alert, { status: 'expired', endedAt: alert.expiresAt });
        this.count(alert.owner, -1);
      }
      if (alert.endedAt !== null && Date.parse(alert.endedAt) < forgetBefore) this.alerts.delete(id);
    }
  }
}

import { isExpired, type Alert } from './alert-rules';

/**
 * Where alerts live: Redis under our prefix, shared by every replica, or this process's memory
 * when Redis is disabled. An abstract class so it is the DI token. Expired alerts are gone.
 */
export abstract class AlertStore {
  /** Stores a new alert (it disappears by itself at `expiresAt`). @throws StoreUnavailableError */
  abstract add(alert: Alert): Promise<void>;
  /** @throws StoreUnavailableError */
  abstract get(id: string): Promise<Alert | undefined>;
  /** Every live alert. @throws StoreUnavailableError */
  abstract list(): Promise<Alert[]>;
  /**
   * Removes the alert atomically: true for exactly one caller across all replicas (the one that
   * fires it, or deletes it), false for everyone else. @throws StoreUnavailableError
   */
  abstract claim(id: string): Promise<boolean>;
}

/** Alerts of one process (REDIS_ENABLED=false): a single replica is assumed. */
export class MemoryAlertStore extends AlertStore {
  private readonly alerts = new Map<string, Alert>();

  constructor(private readonly clock: () => Date = () => new Date()) {
    super();
  }

  async add(alert: Alert): Promise<void> {
    this.alerts.set(alert.id, alert);
  }

  async get(id: string): Promise<Alert | undefined> {
    return this.live(id);
  }

  async list(): Promise<Alert[]> {
    return [...this.alerts.keys()].map((id) => this.live(id)).filter((a): a is Alert => a !== undefined);
  }

  async claim(id: string): Promise<boolean> {
    return this.live(id) !== undefined && this.alerts.delete(id);
  }

  private live(id: string): Alert | undefined {
    const alert = this.alerts.get(id);
    if (alert && isExpired(alert, this.clock())) {
      this.alerts.delete(id);
      return undefined;
    }
    return alert;
  }
}

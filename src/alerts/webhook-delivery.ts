import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { InvalidArgumentError } from '../common/errors';
import type { AlertsConfig } from '../config/alerts.config';
import { Scheduler } from '../warmup/scheduler';
import type { AlertNotification } from './alert-rules';
import { ALERTS_CONFIG } from './alerts.constants';
import { AlertsMetrics } from './alerts.metrics';
import { WebhookNetwork } from './webhooks/webhook-network';
import { MemoryWebhookQueue, WebhookQueue, type WebhookJob } from './webhooks/webhook-queue';
import { hostOf, WebhookTargetPolicy, WebhookTargetRefused, WebhookTargetUnresolved, type CheckedTarget } from './webhooks/webhook-target';

/** Scheduler job of the delivery worker. */
export const ALERTS_WEBHOOK_JOB = 'alerts-webhook-deliveries';
/** On shutdown, attempts in flight get this long to finish before they are handed back to the queue. */
const SHUTDOWN_WAIT_MS = 1000;

type Outcome = { kind: 'delivered' } | { kind: 'refused'; reason: string } | { kind: 'failed'; reason: string; retry: boolean };

interface InFlight {
  done: Promise<void>;
  abort: AbortController;
}

/**
 * Webhooks of fired alerts, durable and bounded:
 *
 * - `deliver` queues the notification in the state store (`WebhookQueue`: Redis under
 *   `{prefix}state:{webhooks}:…`, memory without Redis); a worker on every replica (the
 *   `Scheduler`, every `backoffMs / 2` within 50-1000 ms, and at once when a job is queued or an
 *   attempt ends) claims due jobs with a lease, at most `ALERTS_WEBHOOK_MAX_CONCURRENCY` in flight
 *   per replica. A failed attempt (network error, timeout, non-2xx) is due again after
 *   `ALERTS_WEBHOOK_BACKOFF_MS`, doubled each time, until `ALERTS_WEBHOOK_MAX_ATTEMPTS`. A replica
 *   killed mid-retry loses nothing: another claims the job when it is due (or its lease ends).
 * - Every attempt first checks the target (`WebhookTargetPolicy`: resolve, refuse non-public
 *   addresses unless the host is allowed) and connects to the address it checked. A refused target
 *   or a redirect (3xx) ends the delivery at once; redirects are never followed.
 * - Logs name the alert and the target's host, never the URL (its path or query may hold a secret).
 */
@Injectable()
export class WebhookDelivery implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(WebhookDelivery.name);
  private readonly config: AlertsConfig['webhook'];
  private readonly policy: WebhookTargetPolicy;
  /** Jobs that could not be stored (state Redis unreachable when the alert fired): delivered from memory. */
  private readonly fallback = new MemoryWebhookQueue();
  /** This replica's claims: a lease taken over by another replica is no longer ours to finish. */
  private readonly token = randomUUID();
  private readonly inFlight = new Map<string, InFlight>();
  private readonly leaseMs: number;
  private ticking?: Promise<void>;
  private again = false;
  private stopped = false;
  private lastFailureLog = 0;

  constructor(
    @Inject(ALERTS_CONFIG) config: AlertsConfig,
    private readonly metrics: AlertsMetrics,
    private readonly network: WebhookNetwork,
    private readonly queue: WebhookQueue,
    private readonly scheduler: Scheduler,
  ) {
    this.config = config.webhook;
    this.policy = new WebhookTargetPolicy(this.config, (host) => this.network.lookup(host));
    // An attempt (resolution and POST) is bounded by timeoutMs: past this, it is surely over.
    this.leaseMs = this.config.timeoutMs + 2000;
  }

  onApplicationBootstrap(): void {
    const every = Math.min(1000, Math.max(50, Math.floor(this.config.backoffMs / 2)));
    this.scheduler.every(ALERTS_WEBHOOK_JOB, every, () => this.runDue());
  }

  /**
   * The target check of alert creation: everything a delivery would refuse, plus a host that does
   * not resolve. @throws InvalidArgumentError naming the problem
   */
  async check(url: string): Promise<void> {
    try {
      await withDeadline(this.policy.check(url), AbortSignal.timeout(this.config.timeoutMs), `webhookUrl host ${hostOf(url)} did not resolve within ${this.config.timeoutMs} ms`);
    } catch (error) {
      if (error instanceof WebhookTargetRefused || error instanceof WebhookTargetUnresolved) throw new InvalidArgumentError(error.message);
      throw new InvalidArgumentError((error as Error).message);
    }
  }

  /** Queues the notification for its webhook; resolves once it is stored. Never throws. */
  async deliver(url: string, notification: AlertNotification): Promise<void> {
    const job: WebhookJob = { id: randomUUID(), alertId: notification.alertId, url, body: JSON.stringify(notification), attempts: 0, createdAt: new Date().toISOString() };
    try {
      await this.queue.add(job, Date.now());
    } catch (error) {
      this.logger.warn(`Webhook of alert ${job.alertId} (${hostOf(url)}) kept in this replica's memory only: ${(error as Error).message}`);
      await this.fallback.add(job, Date.now());
    }
    if (!this.stopped) void this.runDue();
  }

  /** One pass of the worker: claims due jobs into the free slots and starts them. Resolves once they are started. */
  runDue(): Promise<void> {
    if (this.ticking) {
      this.again = true;
      return this.ticking;
    }
    this.ticking = (async () => {
      try {
        do {
          this.again = false;
          await this.claimAndStart();
        } while (this.again && !this.stopped);
      } finally {
        this.ticking = undefined;
      }
    })();
    return this.ticking;
  }

  /** Resolves once no attempt is in flight (tests). */
  async whenIdle(): Promise<void> {
    while (this.inFlight.size > 0 || this.ticking) await Promise.all([this.ticking, ...[...this.inFlight.values()].map((f) => f.done)]);
  }

  /** Stops claiming, lets attempts in flight finish briefly, hands the rest back (before the state connection closes). */
  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    this.scheduler.cancel(ALERTS_WEBHOOK_JOB);
    await this.ticking;
    const running = () => [...this.inFlight.values()];
    if (running().length > 0) {
      await Promise.race([Promise.all(running().map((f) => f.done)), sleep(SHUTDOWN_WAIT_MS)]);
      for (const flight of running()) flight.abort.abort();
      await Promise.race([Promise.all(running().map((f) => f.done)), sleep(SHUTDOWN_WAIT_MS)]);
    }
    const lost = await this.fallback.size();
    if (lost > 0) this.logger.warn(`${lost} webhook deliveries kept in memory are dropped: shutting down`);
  }

  private async claimAndStart(): Promise<void> {
    for (const queue of [this.queue, this.fallback]) {
      const free = this.config.maxConcurrency - this.inFlight.size;
      if (free <= 0 || this.stopped) return;
      const now = Date.now();
      let jobs: WebhookJob[];
      try {
        jobs = await queue.claim(now, now + this.leaseMs, free, this.token);
      } catch (error) {
        this.warnThrottled(`Webhook deliveries not checked: ${(error as Error).message}`);
        continue;
      }
      for (const job of jobs) this.start(queue, job);
    }
  }

  private start(queue: WebhookQueue, job: WebhookJob): void {
    const abort = new AbortController();
    const done = this.run(queue, job, abort.signal)
      .catch((error: Error) => this.warnThrottled(`Webhook of alert ${job.alertId} (${hostOf(job.url)}) not settled: ${error.message}; retried when its lease ends`))
      .finally(() => {
        this.inFlight.delete(job.id);
        if (!this.stopped) void this.runDue();
      });
    this.inFlight.set(job.id, { done, abort });
  }

  private async run(queue: WebhookQueue, job: WebhookJob, stop: AbortSignal): Promise<void> {
    const attempt = job.attempts + 1;
    const { maxAttempts, backoffMs } = this.config;
    const what = `Webhook of alert ${job.alertId} (${hostOf(job.url)})`;
    const outcome = await this.attempt(job, stop);
    if (stop.aborted) {
      // Shutting down mid-attempt: back to the queue, due now, the attempt not counted.
      await queue.retry(job, Date.now(), this.token);
      return;
    }
    if (outcome.kind === 'delivered') {
      await queue.finish(job.id, this.token);
      this.metrics.onDelivered('webhook');
      this.metrics.onWebhookOutcome('delivered');
      return;
    }
    if (outcome.kind === 'refused') {
      await queue.finish(job.id, this.token);
      this.metrics.onWebhookOutcome('refused');
      this.logger.warn(`${what} refused: ${outcome.reason}`);
      return;
    }
    if (!outcome.retry || attempt >= maxAttempts) {
      await queue.finish(job.id, this.token);
      this.metrics.onWebhookOutcome('failed');
      this.logger.warn(`${what} failed (attempt ${attempt}/${maxAttempts}: ${outcome.reason}); giving up`);
      return;
    }
    const delay = backoffMs * 2 ** (attempt - 1);
    await queue.retry({ ...job, attempts: attempt }, Date.now() + delay, this.token);
    this.logger.warn(`${what} failed (attempt ${attempt}/${maxAttempts}: ${outcome.reason}); next in ${delay} ms`);
  }

  /** One attempt: check the target, POST to the checked address. */
  private async attempt(job: WebhookJob, stop: AbortSignal): Promise<Outcome> {
    const { timeoutMs } = this.config;
    const signal = AbortSignal.any([stop, AbortSignal.timeout(timeoutMs)]);
    let target: CheckedTarget;
    try {
      target = await withDeadline(this.policy.check(job.url), signal, `no answer within ${timeoutMs} ms`);
    } catch (error) {
      if (error instanceof WebhookTargetRefused) return { kind: 'refused', reason: error.message };
      return { kind: 'failed', reason: (error as Error).message, retry: true };
    }
    try {
      const status = await this.network.send(target, {
        body: job.body,
        headers: { 'content-type': 'application/json', 'user-agent': 'market-cache-service-webhook', 'x-alert-id': job.alertId },
        signal,
      });
      if (status >= 200 && status < 300) return { kind: 'delivered' };
      if (status >= 300 && status < 400) return { kind: 'failed', reason: `HTTP ${status}: redirects are not followed`, retry: false };
      return { kind: 'failed', reason: `HTTP ${status}`, retry: true };
    } catch (error) {
      const reason = signal.aborted && !stop.aborted ? `no answer within ${timeoutMs} ms` : ((error as NodeJS.ErrnoException).code ?? (error as Error).message);
      return { kind: 'failed', reason, retry: true };
    }
  }

  private warnThrottled(message: string): void {
    // A state-store outage would log this every worker tick: once per 10 s is enough.
    if (Date.now() - this.lastFailureLog < 10_000) return;
    this.lastFailureLog = Date.now();
    this.logger.warn(message);
  }
}

/** `work`, or a rejection with `message` once `signal` aborts (a DNS lookup cannot be cancelled, only abandoned). */
function withDeadline<T>(work: Promise<T>, signal: AbortSignal, message: string): Promise<T> {
  if (signal.aborted) return Promise.reject(new Error(message));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new Error(message));
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

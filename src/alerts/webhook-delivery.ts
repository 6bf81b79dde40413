import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import type { AlertsConfig } from '../config/alerts.config';
import type { AlertNotification } from './alert-rules';
import { ALERTS_CONFIG } from './alerts.constants';
import { AlertsMetrics } from './alerts.metrics';

/**
 * POSTs a fired alert to its webhook: each attempt bounded by `ALERTS_WEBHOOK_TIMEOUT_MS`, a
 * non-2xx or a network error retried after `ALERTS_WEBHOOK_BACKOFF_MS`, doubled each time, up
 * to `ALERTS_WEBHOOK_MAX_ATTEMPTS` attempts in all. Only the replica that fired the alert
 * delivers it; pending retries are dropped at shutdown (logged).
 */
@Injectable()
export class WebhookDelivery implements OnApplicationShutdown {
  private readonly logger = new Logger(WebhookDelivery.name);
  private readonly config: AlertsConfig['webhook'];
  private stopped = false;

  constructor(
    @Inject(ALERTS_CONFIG) config: AlertsConfig,
    private readonly metrics: AlertsMetrics,
  ) {
    this.config = config.webhook;
  }

  /** Resolves true once delivered, false when given up; never throws. */
  async deliver(url: string, notification: AlertNotification): Promise<boolean> {
    const { maxAttempts, backoffMs } = this.config;
    const body = JSON.stringify(notification);
    for (let attempt = 1; attempt <= maxAttempts && !this.stopped; attempt++) {
      const failure = await this.attempt(url, body, notification.alertId);
      if (failure === undefined) {
        this.metrics.onDelivered('webhook');
        return true;
      }
      const last = attempt === maxAttempts;
      this.metrics.onWebhookFailure(last ? 'gave_up' : 'retried');
      this.logger.warn(`Webhook of alert ${notification.alertId} failed (attempt ${attempt}/${maxAttempts}: ${failure})${last ? '; giving up' : ''}`);
      if (!last) await sleep(backoffMs * 2 ** (attempt - 1));
    }
    if (this.stopped) this.logger.warn(`Webhook of alert ${notification.alertId} dropped: shutting down`);
    return false;
  }

  onApplicationShutdown(): void {
    this.stopped = true;
  }

  /** Undefined on success, else why it failed. */
  private async attempt(url: string, body: string, alertId: string): Promise<string | undefined> {
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-alert-id': alertId },
        body,
        signal: AbortSignal.timeout(this.config.timeoutMs),
        redirect: 'error',
      });
      await response.body?.cancel();
      return response.ok ? undefined : `HTTP ${response.status}`;
    } catch (error) {
      return (error as Error).name === 'TimeoutError' ? `no answer within ${this.config.timeoutMs} ms` : (error as Error).message;
    }
  }
}

function sleep(ms: number): Promise<void> {
  // Unref'd: a retry waiting must not keep a stopping process alive.
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

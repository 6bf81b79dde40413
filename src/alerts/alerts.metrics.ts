import { Injectable, Optional } from '@nestjs/common';
import type { Counter } from 'prom-client';
import { MetricsRegistry } from '../metrics/metrics-registry';

export type DeliveryChannel = 'sse' | 'webhook';
/** How a webhook delivery ended (attempts and targets are not counted: the series must not tell anything about a target). */
export type WebhookOutcome = 'delivered' | 'failed' | 'refused';

/** `mc_alerts_*` series (no symbol or alert labels). Without the metrics module the calls do nothing. */
@Injectable()
export class AlertsMetrics {
  private readonly registered?: Counter;
  private readonly fired?: Counter;
  private readonly delivered?: Counter<'channel'>;
  private readonly webhookOutcomes?: Counter<'outcome'>;
  private sseClients = 0;

  constructor(@Optional() metrics?: MetricsRegistry) {
    if (!metrics) return;
    this.registered = metrics.counter({ name: 'alerts_registered_total', help: 'Price alerts registered on this replica' });
    this.fired = metrics.counter({ name: 'alerts_fired_total', help: 'Price alerts fired by this replica (each alert fires on one replica only)' });
    this.delivered = metrics.counter<'channel'>({
      name: 'alerts_delivered_total',
      help: 'Alert notifications delivered: one per SSE stream written to, or per webhook accepted (2xx)',
      labelNames: ['channel'],
    });
    this.webhookOutcomes = metrics.counter<'outcome'>({
      name: 'alerts_webhook_deliveries_total',
      help: 'Webhook deliveries ended on this replica: delivered (2xx), failed (attempts exhausted, or a redirect), refused (target not allowed)',
      labelNames: ['outcome'],
    });
    const clients = () => this.sseClients;
    metrics.gauge({
      name: 'alerts_sse_clients',
      help: 'Open alert SSE streams on this replica',
      collect() {
        this.set(clients());
      },
    });
  }

  onRegistered(): void {
    this.registered?.inc();
  }

  onFired(): void {
    this.fired?.inc();
  }

  onDelivered(channel: DeliveryChannel, count = 1): void {
    if (count > 0) this.delivered?.inc({ channel }, count);
  }

  onWebhookOutcome(outcome: WebhookOutcome): void {
    this.webhookOutcomes?.inc({ outcome });
  }

  setSseClients(count: number): void {
    this.sseClients = count;
  }
}

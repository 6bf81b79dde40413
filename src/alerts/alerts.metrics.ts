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
  private readonly quarantined?: Counter;
  private readonly sseRejected?: Counter<'reason'>;
  private readonly sseDropped?: Counter;
  private readonly sseReplayed?: Counter;

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
    this.quarantined = metrics.counter({ name: 'alerts_quarantined_total', help: 'Alert records that did not parse, set aside under the quarantine key (they never fire)' });
    this.sseRejected = metrics.counter<'reason'>({
      name: 'alerts_sse_rejected_total',
      help: 'Alert streams refused with 429: the caller at ALERTS_SSE_MAX_PER_CALLER, or the replica at ALERTS_SSE_MAX_STREAMS',
      labelNames: ['reason'],
    });
    this.sseDropped = metrics.counter({ name: 'alerts_sse_dropped_total', help: 'Alert streams cut because their reader did not keep up (ALERTS_SSE_MAX_BUFFER_BYTES unsent)' });
    this.sseReplayed = metrics.counter({ name: 'alerts_sse_replayed_total', help: 'Events replayed to reconnecting streams (Last-Event-ID)' });
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

  onQuarantined(): void {
    this.quarantined?.inc();
  }

  onSseRejected(reason: 'caller' | 'total'): void {
    this.sseRejected?.inc({ reason });
  }

  onSseDropped(): void {
    this.sseDropped?.inc();
  }

  onReplayed(count: number): void {
    if (count > 0) this.sseReplayed?.inc(count);
  }
}

import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ServerResponse } from 'node:http';
import type { AlertsConfig } from '../config/alerts.config';
import { Scheduler } from '../warmup/scheduler';
import type { AlertNotification } from './alert-rules';
import { ALERTS_CONFIG, ALERTS_HEARTBEAT_JOB } from './alerts.constants';
import { AlertsMetrics } from './alerts.metrics';

interface Stream {
  raw: ServerResponse;
  /** Only this symbol's alerts; undefined = all. */
  symbol?: string;
}

// Clients reconnect after this (the SSE `retry` field), e.g. to another replica after a shutdown.
const RECONNECT_MS = 3000;

/**
 * The SSE streams open on this replica (`GET /api/v1/alerts/stream`): written to directly on
 * Fastify's raw response, a heartbeat comment on every stream each `ALERTS_SSE_HEARTBEAT_MS`,
 * and all ended with a final `shutdown` event when the server starts closing (Fastify's
 * `preClose`), so a stop never waits out its grace period on open streams.
 */
@Injectable()
export class AlertStreamHub implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(AlertStreamHub.name);
  private readonly streams = new Set<Stream>();
  private closing = false;

  constructor(
    @Inject(ALERTS_CONFIG) private readonly config: AlertsConfig,
    private readonly scheduler: Scheduler,
    private readonly metrics: AlertsMetrics,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    fastify?.addHook('preClose', async () => this.closeAll());
    this.scheduler.every(ALERTS_HEARTBEAT_JOB, this.config.sseHeartbeatMs, async () => this.heartbeat());
  }

  get size(): number {
    return this.streams.size;
  }

  /** Takes the response over (Fastify no longer sends it) and keeps it open until the client or the server closes it. */
  open(reply: FastifyReply, symbol?: string): void {
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      // nginx (docker/) would otherwise buffer the stream.
      'x-accel-buffering': 'no',
      'x-request-id': String(reply.request.id),
    });
    if (this.closing) {
      raw.end(`retry: ${RECONNECT_MS}\nevent: shutdown\ndata: {}\n\n`);
      return;
    }
    const stream: Stream = { raw, symbol };
    this.streams.add(stream);
    this.metrics.setSseClients(this.streams.size);
    raw.on('close', () => {
      this.streams.delete(stream);
      this.metrics.setSseClients(this.streams.size);
    });
    raw.write(`retry: ${RECONNECT_MS}\n: connected${symbol ? ` (${symbol})` : ''}\n\n`);
  }

  /** Writes the notification to every stream that wants its symbol; returns how many. */
  broadcast(notification: AlertNotification): number {
    const frame = `id: ${notification.alertId}\nevent: alert\ndata: ${JSON.stringify(notification)}\n\n`;
    let written = 0;
    for (const stream of this.streams) {
      if (stream.symbol !== undefined && stream.symbol !== notification.symbol) continue;
      stream.raw.write(frame);
      written++;
    }
    this.metrics.onDelivered('sse', written);
    return written;
  }

  heartbeat(): void {
    const frame = `: heartbeat ${new Date().toISOString()}\n\n`;
    for (const stream of this.streams) stream.raw.write(frame);
  }

  /** Ends every stream with a `shutdown` event; later connections are ended at once. */
  closeAll(): void {
    this.closing = true;
    if (this.streams.size > 0) this.logger.log(`Closing ${this.streams.size} alert stream(s)`);
    for (const stream of this.streams) stream.raw.end('event: shutdown\ndata: {}\n\n');
    this.streams.clear();
    this.metrics.setSseClients(0);
  }

  // Also when the server was never closed through Fastify (an app that never listened).
  onApplicationShutdown(): void {
    this.closeAll();
  }
}

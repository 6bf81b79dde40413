import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ServerResponse } from 'node:http';
import type { Caller } from '../auth';
import type { AlertsConfig } from '../config/alerts.config';
import { Scheduler } from '../warmup/scheduler';
import { mayAccess, type AlertEvent } from './alert-rules';
import { AlertStore, compareEventIds } from './alert-store';
import { ALERTS_CONFIG, ALERTS_HEARTBEAT_JOB } from './alerts.constants';
import { StreamLimitError } from './alerts.errors';
import { AlertsMetrics } from './alerts.metrics';

interface Stream {
  raw: ServerResponse;
  caller: Caller;
  /** Only this symbol's alerts; undefined = all. */
  symbol?: string;
  /** While the replay runs, live events wait here (then those the replay did not cover are written). */
  pending?: AlertEvent[];
}

export interface StreamOptions {
  symbol?: string;
  /** Replay the caller's events after this one (`Last-Event-ID`) before the live ones. */
  lastEventId?: string;
}

// Clients reconnect after this (the SSE `retry` field), e.g. to another replica after a shutdown.
const RECONNECT_MS = 3000;
// A replay reads the event log in pages of this many entries.
const REPLAY_PAGE = 500;

const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-transform',
  // nginx (docker/) would otherwise buffer the stream.
  'x-accel-buffering': 'no',
} as const;

/**
 * The SSE streams open on this replica (`GET /api/v1/alerts/stream`): written to directly on
 * Fastify's raw response, a heartbeat comment on every stream each `ALERTS_SSE_HEARTBEAT_MS`,
 * and all ended with a final `shutdown` event when the server starts closing (Fastify's
 * `preClose`), so a stop never waits out its grace period on open streams.
 *
 * Bounded: at most `ALERTS_SSE_MAX_STREAMS` streams on the replica and `ALERTS_SSE_MAX_PER_CALLER`
 * per caller (429 + Retry-After before anything is held), and a stream whose socket holds more than
 * `ALERTS_SSE_MAX_BUFFER_BYTES` unsent bytes (a reader that does not read) is cut, never buffered
 * without bound; its client reconnects with `Last-Event-ID` and gets the replay. A caller sees its
 * own alerts only (an admin: all).
 */
@Injectable()
export class AlertStreamHub implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(AlertStreamHub.name);
  private readonly streams = new Set<Stream>();
  private readonly perCaller = new Map<string, number>();
  private closing = false;

  constructor(
    @Inject(ALERTS_CONFIG) private readonly config: AlertsConfig,
    private readonly scheduler: Scheduler,
    private readonly metrics: AlertsMetrics,
    private readonly adapterHost: HttpAdapterHost,
    private readonly store: AlertStore,
  ) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    fastify?.addHook('preClose', async () => this.closeAll());
    this.scheduler.every(ALERTS_HEARTBEAT_JOB, this.config.sseHeartbeatMs, async () => this.heartbeat());
  }

  get size(): number {
    return this.streams.size;
  }

  /** Refuses a stream over a cap. @throws StreamLimitError (429 with Retry-After) */
  admit(caller: Caller): void {
    const { sseMaxStreams, sseMaxPerCaller } = this.config;
    if (this.streams.size >= sseMaxStreams) {
      this.metrics.onSseRejected('total');
      throw new StreamLimitError('total', sseMaxStreams);
    }
    if ((this.perCaller.get(caller.name) ?? 0) >= sseMaxPerCaller) {
      this.metrics.onSseRejected('caller');
      throw new StreamLimitError('caller', sseMaxPerCaller);
    }
  }

  /** `HEAD` of the stream: its headers, no body, nothing held open. */
  head(reply: FastifyReply): void {
    void reply.status(200).headers(SSE_HEADERS).send();
  }

  /** Takes the response over (Fastify no longer sends it) and keeps it open until the client or the server closes it. @throws StreamLimitError */
  open(reply: FastifyReply, caller: Caller, options: StreamOptions = {}): void {
    this.admit(caller);
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, { ...SSE_HEADERS, connection: 'keep-alive', 'x-request-id': String(reply.request.id) });
    if (this.closing) {
      raw.end(`retry: ${RECONNECT_MS}\nevent: shutdown\ndata: {}\n\n`);
      return;
    }
    const stream: Stream = { raw, caller, symbol: options.symbol, pending: options.lastEventId ? [] : undefined };
    this.streams.add(stream);
    this.count(caller.name, 1);
    raw.on('close', () => {
      if (!this.streams.delete(stream)) return;
      this.count(caller.name, -1);
    });
    this.write(stream, `retry: ${RECONNECT_MS}\n: connected${options.symbol ? ` (${options.symbol})` : ''}\n\n`);
    if (options.lastEventId) void this.replay(stream, options.lastEventId);
  }

  /** Writes the event to every stream that may see it (its owner's, or an admin's) and wants its symbol; returns how many. */
  broadcast(event: AlertEvent): number {
    let written = 0;
    for (const stream of this.streams) {
      if (!this.wants(stream, event)) continue;
      if (stream.pending) stream.pending.push(event);
      else if (this.write(stream, frameOf(event))) written++;
    }
    this.metrics.onDelivered('sse', written);
    return written;
  }

  heartbeat(): void {
    const frame = `: heartbeat ${new Date().toISOString()}\n\n`;
    for (const stream of this.streams) this.write(stream, frame);
  }

  /** Ends every stream with a `shutdown` event; later connections are ended at once. */
  closeAll(): void {
    this.closing = true;
    if (this.streams.size > 0) this.logger.log(`Closing ${this.streams.size} alert stream(s)`);
    for (const stream of this.streams) stream.raw.end('event: shutdown\ndata: {}\n\n');
    this.streams.clear();
    this.perCaller.clear();
    this.metrics.setSseClients(0);
  }

  // Also when the server was never closed through Fastify (an app that never listened).
  onApplicationShutdown(): void {
    this.closeAll();
  }

  /** The caller's events after `lastId` from the store's log, then the live ones that came meanwhile. */
  private async replay(stream: Stream, lastId: string): Promise<void> {
    // The newest log entry read (anyone's): a live event up to it was in the log, so the replay covered it.
    let seen = lastId;
    let replayed = 0;
    try {
      for (;;) {
        const page = await this.store.eventsAfter(seen, REPLAY_PAGE);
        for (const event of page) {
          if (!this.streams.has(stream)) return;
          if (this.wants(stream, event) && this.write(stream, frameOf(event))) replayed++;
          seen = event.id;
        }
        if (page.length < REPLAY_PAGE) break;
      }
      this.metrics.onReplayed(replayed);
    } catch (error) {
      this.write(stream, `: replay unavailable (${(error as Error).message})\n\n`);
    }
    const live = stream.pending ?? [];
    stream.pending = undefined;
    for (const event of live) if (compareEventIds(event.id, seen) > 0) this.write(stream, frameOf(event));
  }

  private wants(stream: Stream, event: AlertEvent): boolean {
    if (stream.symbol !== undefined && stream.symbol !== event.notification.symbol) return false;
    return mayAccess(stream.caller, event);
  }

  /** Writes unless the socket already holds more than the bound unsent (a slow reader): that stream is cut (so at most the bound plus one frame is ever buffered). */
  private write(stream: Stream, frame: string): boolean {
    const raw = stream.raw;
    if (raw.destroyed || raw.writableEnded) return false;
    if (raw.writableLength > this.config.sseMaxBufferBytes) {
      this.metrics.onSseDropped();
      this.logger.warn(`Alert stream of ${stream.caller.name} cut: its reader is not keeping up (${raw.writableLength} bytes unsent)`);
      this.streams.delete(stream);
      this.count(stream.caller.name, -1);
      raw.destroy();
      return false;
    }
    raw.write(frame);
    return true;
  }

  private count(caller: string, delta: number): void {
    const next = (this.perCaller.get(caller) ?? 0) + delta;
    if (next > 0) this.perCaller.set(caller, next);
    else this.perCaller.delete(caller);
    this.metrics.setSseClients(this.streams.size);
  }
}

function frameOf(event: AlertEvent): string {
  return `id: ${event.id}\nevent: alert\ndata: ${JSON.stringify(event.notification)}\n\n`;
}

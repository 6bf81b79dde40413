import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown, type OnModuleDestroy } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import type { AllConfig } from '../config/configuration';
import { ReadinessState } from './readiness.state';

// Signals on which readiness flips the moment they arrive, rather than when Nest reaches this module.
const STOP_SIGNALS = ['SIGTERM', 'SIGINT'] as const;

// A connection whose request finished after close() began stays open until its keep-alive timeout
// (72 s in Fastify) unless swept: Node's server.close() reaps idle sockets only once.
const IDLE_SWEEP_MS = 50;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The graceful stop, on SIGTERM or `app.close()`: readiness turns 503, then after
 * `SHUTDOWN_DELAY_MS` the server stops accepting and in-flight requests finish (at most
 * `SHUTDOWN_GRACE_MS`, then their sockets are cut).
 *
 * Nest calls `onModuleDestroy` module by module (root first, global modules such as the cache
 * last) and closes the HTTP server only after all of them. So the drain is awaited here, before
 * the cache module closes Redis, and it starts at the signal itself: modules destroyed before
 * this one must not delay readiness turning 503.
 */
@Injectable()
export class ShutdownService implements OnApplicationBootstrap, OnModuleDestroy, OnApplicationShutdown {
  private readonly logger = new Logger(ShutdownService.name);
  private startedAt?: number;
  private stopping?: Promise<void>;
  private readonly onSignal = () => void this.stop();
  private readonly listeningTo: string[] = [];

  constructor(
    private readonly readiness: ReadinessState,
    private readonly adapterHost: HttpAdapterHost,
    private readonly config: ConfigService<AllConfig, true>,
  ) {}

  onApplicationBootstrap(): void {
    this.readiness.markBooted();
    // Only beside Nest's shutdown hooks: a listener alone would stop the signal from ending the process.
    for (const signal of STOP_SIGNALS) {
      if (process.listenerCount(signal) === 0) continue;
      process.on(signal, this.onSignal);
      this.listeningTo.push(signal);
    }
  }

  onModuleDestroy(): Promise<void> {
    return this.stop();
  }

  onApplicationShutdown(signal?: string): void {
    for (const name of this.listeningTo.splice(0)) process.removeListener(name, this.onSignal);
    this.logger.log(`Shutdown complete${signal ? ` (${signal})` : ''} after ${this.elapsed()} ms`);
  }

  // Once per process, however it is asked for (a signal, then Nest's hooks; or app.close() twice).
  private stop(): Promise<void> {
    this.stopping ??= this.drain();
    return this.stopping;
  }

  private async drain(): Promise<void> {
    this.startedAt = performance.now();
    this.readiness.beginShutdown();
    const { shutdownDelayMs, shutdownGraceMs } = this.config.get('app', { infer: true });
    this.logger.log(`Shutting down: readiness is 503; closing the server in ${shutdownDelayMs} ms, draining for at most ${shutdownGraceMs} ms`);
    if (shutdownDelayMs > 0) await sleep(shutdownDelayMs);
    await this.closeServer(shutdownGraceMs);
    this.logger.log(`HTTP server closed after ${this.elapsed()} ms`);
  }

  private async closeServer(graceMs: number): Promise<void> {
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (!fastify) return;
    const server = fastify.server;
    const sweep = setInterval(() => server.closeIdleConnections(), IDLE_SWEEP_MS);
    // Fastify's close stops accepting, answers 503 to requests arriving on open keep-alive sockets
    // (return503OnClosing) and resolves once in-flight requests are done.
    const closed = fastify.close().then(() => 'closed' as const);
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<'expired'>((resolve) => (timer = setTimeout(resolve, graceMs, 'expired')));
    try {
      if ((await Promise.race([closed, expired])) === 'expired') {
        this.logger.warn(`Requests still in flight after SHUTDOWN_GRACE_MS=${graceMs} ms; closing their connections`);
        server.closeAllConnections();
        await closed;
      }
    } finally {
      clearInterval(sweep);
      clearTimeout(timer);
    }
  }

  private elapsed(): number {
    return this.startedAt === undefined ? 0 : Math.round(performance.now() - this.startedAt);
  }
}

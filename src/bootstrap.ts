import fastifyEtag from '@fastify/etag';
import { Logger, ValidationPipe, type LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger as PinoNestLogger } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
import { AppModule } from './app.module';
import { CallerRegistry, installCallerIdentification, RouteScopes } from './auth';
import { HttpCacheFastPath, installHttpCacheFastPath, installL2RequestScope } from './cache';
import { AllExceptionsFilter } from './common/all-exceptions.filter';
import { rejectMisshapenBodies } from './common/body-shape';
import { acceptJsonBodiesOnly } from './common/json-only';
import { sendFrameworkError } from './common/framework-errors';
import { buildAllConfig, type AllConfig } from './config/configuration';
import { validateEnv, type EnvSource } from './config/load-env';
import { logFastPathHits } from './logging/fast-path-access-log';
import { recogniseSecretsWith } from './logging/url-redaction';
import { echoRequestId, requestIdOf } from './logging/request-id';
import { HttpMetrics } from './metrics/http-metrics';
import { setupOpenApi } from './openapi/openapi';
import type { Clock } from './clock';

const LEVELS: LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];
const NEST_LEVEL: Record<string, LogLevel> = { fatal: 'fatal', error: 'error', warn: 'warn', info: 'log', debug: 'debug', trace: 'verbose' };

function logLevels(level: string): LogLevel[] | false {
  if (level === 'silent') return false;
  return LEVELS.slice(0, LEVELS.indexOf(NEST_LEVEL[level] ?? 'log') + 1);
}

/** Request bodies above this are refused with 413 (portfolio and scan requests stay far below). */
const BODY_LIMIT_BYTES = 1024 * 1024;

export interface CreateAppOptions {
  /** Where JSON log lines go (default stdout); tests pass a stream to read them. */
  logDestination?: DestinationStream;
  /** The service's time (default the system's): tests and benchmarks run a simulated week with a `ManualClock`. */
  clock?: Clock;
}

/**
 * Builds the whole app (used by `main.ts`, the e2e tests and the benchmarks, so all three run the
 * same thing): Fastify, global validation, the one exception filter, ETag/304, shutdown hooks.
 * @throws ConfigInvalidError listing every bad variable.
 */
export async function createApp(env: EnvSource, options: CreateAppOptions = {}): Promise<{ app: NestFastifyApplication; config: AllConfig }> {
  const config = buildAllConfig(validateEnv(env));
  const { http } = config;
  const adapter = new FastifyAdapter({
    bodyLimit: BODY_LIMIT_BYTES,
    // Bounds on how long a client may hold a connection (docs/SECURITY.md, "HTTP hardening"):
    // Fastify's default requestTimeout is 0, so a body sent at 1 byte/s was held for ever.
    requestTimeout: http.requestTimeoutMs,
    keepAliveTimeout: http.keepAliveTimeoutMs,
    connectionTimeout: http.connectionTimeoutMs,
    // Node checks the request and headers deadlines every connectionsCheckingInterval (30 s by
    // default, so a 10 s bound cut after up to 40 s): once a second is cheap and keeps them close.
    http: { headersTimeout: http.headersTimeoutMs, connectionsCheckingInterval: 1000 },
    trustProxy: http.trustProxy,
    routerOptions: { maxParamLength: 200 },
    // Not `requestIdHeader`: Fastify would take the header verbatim; requestIdOf vets it first.
    requestIdHeader: false,
    genReqId: requestIdOf,
    // Bad %-escapes and over-long params are refused by the router itself: answer them as ErrorBody too.
    frameworkErrors: sendFrameworkError,
  });
  const fastify = adapter.getInstance();
  // Before NestFactory.create registers Nest's middleware: see installHttpCacheFastPath.
  echoRequestId(fastify);
  // Every later hook and the handler run inside the request's L2 scope (one L2 deadline per request).
  installL2RequestScope(fastify);
  // Who is calling, before the fast path (which answers only callers holding the route's scopes).
  const identification = installCallerIdentification(fastify);
  const fastPathHook = installHttpCacheFastPath(fastify, identification.admitsFastPath);
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config, { logDestination: options.logDestination, clock: options.clock }), adapter, {
    logger: logLevels(config.app.logLevel),
    bufferLogs: true,
    // Reject instead of process.exit(1): a provider that fails at boot (a bad MODEL_PATH artifact)
    // reaches main()'s handler with its message, and tests can assert on it.
    abortOnError: false,
  });
  app.useLogger(app.get(PinoNestLogger));
  // Hooks before init, so they wrap every route the app registers (and the 404 handler).
  acceptJsonBodiesOnly(fastify);
  rejectMisshapenBodies(fastify);
  identification.bind(app.get(CallerRegistry), app.get(RouteScopes));
  const callers = app.get(CallerRegistry);
  recogniseSecretsWith((value) => callers.identify({ 'x-api-key': value }).authenticated);
  fastPathHook.bind(app.get(HttpCacheFastPath));
  logFastPathHits(fastify, app.get(HttpCacheFastPath), config.app, options.logDestination);
  app.get(HttpMetrics).attach(fastify);
  await app.register(fastifyEtag);
  app.useGlobalPipes(
    new ValidationPipe({ transform: true, whitelist: true, forbidNonWhitelisted: true, stopAtFirstError: false }),
  );
  app.useGlobalFilters(new AllExceptionsFilter());
  setupOpenApi(app);
  // process.exit(0) once the hooks ran (the health module's drain included); the default re-raises
  // the signal, so a clean SIGTERM stop would end with 143 instead of 0.
  app.enableShutdownHooks([], { useProcessExit: true });
  Logger.flush();
  return { app, config };
}

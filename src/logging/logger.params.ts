import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Params } from 'nestjs-pino';
import { stdTimeFunctions, type DestinationStream, type Level, type LevelWithSilent, type LoggerOptions } from 'pino';
import { callerOf } from '../auth/caller';
import type { AppConfig } from '../config/app.config';
import { redactQuery, redactUrl } from './url-redaction';

/** Header values never written to a log line. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers["proxy-authorization"]',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
];

const QUIET_PATHS = new Set(['/metrics', '/health/live']);

/** Level and time format every logger of the app shares (the access log of fast-path hits too). */
export function baseLoggerOptions(app: Pick<AppConfig, 'logLevel'>): Pick<LoggerOptions, 'level' | 'timestamp'> {
  return { level: app.logLevel as LevelWithSilent, timestamp: stdTimeFunctions.isoTime };
}

/**
 * nestjs-pino / pino-http options: JSON lines at `LOG_LEVEL`, one "request completed" line per
 * request carrying the Fastify request id and the caller's name, secrets redacted. Bodies are never serialized
 * (pino-http's serializers do not read them), so neither request payloads nor cached values
 * reach the logs. `destination` lets tests capture the output.
 */
export function loggerParams(app: Pick<AppConfig, 'logLevel'>, destination?: DestinationStream): Params {
  const options = {
    ...baseLoggerOptions(app),
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    // Secrets sent in a query string (?api_key=, or any configured credential): url-redaction.ts.
    serializers: { req: (req: { url?: string; query?: unknown }) => ({ ...req, url: redactUrl(req.url), ...(req.query === undefined ? {} : { query: redactQuery(req.query) }) }) },
    // Fastify made the id (see request-id.ts); this is only a fallback for requests it never saw.
    genReqId: (req: IncomingMessage) => String(req.id ?? 'unknown'),
    // Lines logged inside a request carry `reqId` only; the full request is on the completion line.
    quietReqLogger: true,
    // Scrapes and liveness probes arrive every few seconds and say nothing on success.
    // Inside middie, `req.url` is relative to the middleware's mount path; `originalUrl` is the real one.
    autoLogging: { ignore: (req: IncomingMessage & { originalUrl?: string }) => QUIET_PATHS.has((req.originalUrl ?? req.url ?? '').split('?', 1)[0]) },
    // Every line of a request (its completion line and what is logged while it runs) names its caller.
    customProps: (req: IncomingMessage) => ({ caller: callerOf(req).name }),
    // 5xx at warn: the filter already logs unexpected errors at error level with their stack.
    customLogLevel: (_req: IncomingMessage, res: ServerResponse, error?: Error): Level =>
      error || res.statusCode >= 500 ? 'warn' : 'info',
  };
  return { pinoHttp: destination ? [options, destination] : options };
}

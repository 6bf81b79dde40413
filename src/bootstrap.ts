import fastifyEtag from '@fastify/etag';
import { Logger, ValidationPipe, type LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule } from './app.module';
import { AllExceptionsFilter } from './common/all-exceptions.filter';
import { buildAllConfig, type AllConfig } from './config/configuration';
import { validateEnv, type EnvSource } from './config/load-env';

const LEVELS: LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];
const NEST_LEVEL: Record<string, LogLevel> = { fatal: 'fatal', error: 'error', warn: 'warn', info: 'log', debug: 'debug', trace: 'verbose' };

function logLevels(level: string): LogLevel[] | false {
  if (level === 'silent') return false;
  return LEVELS.slice(0, LEVELS.indexOf(NEST_LEVEL[level] ?? 'log') + 1);
}

/** Request bodies above this are refused with 413 (portfolio and scan requests stay far below). */
const BODY_LIMIT_BYTES = 1024 * 1024;

/**
 * Builds the whole app (used by `main.ts`, the e2e tests and the benchmarks, so all three run the
 * same thing): Fastify, global validation, the one exception filter, ETag/304, shutdown hooks.
 * @throws ConfigInvalidError listing every bad variable.
 */
export async function createApp(env: EnvSource): Promise<{ app: NestFastifyApplication; config: AllConfig }> {
  const config = buildAllConfig(validateEnv(env));
  const adapter = new FastifyAdapter({ bodyLimit: BODY_LIMIT_BYTES, routerOptions: { maxParamLength: 200 } });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), adapter, {
    logger: logLevels(config.app.logLevel),
    bufferLogs: false,
  });
  await app.register(fastifyEtag);
  app.useGlobalPipes(
    new ValidationPipe({ transform: true, whitelist: true, forbidNonWhitelisted: true, stopAtFirstError: false }),
  );
  app.useGlobalFilters(new AllExceptionsFilter());
  app.enableShutdownHooks();
  Logger.flush();
  return { app, config };
}

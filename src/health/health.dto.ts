import { ApiProperty, ApiPropertyOptional, type SchemaObject } from '@nestjs/swagger';
import type { HealthIndicatorResult } from '@nestjs/terminus';

const INDICATOR: SchemaObject = { type: 'object', properties: { status: { type: 'string', enum: ['up', 'down'] } }, additionalProperties: true };
const INDICATORS = { type: 'object', additionalProperties: INDICATOR } as const;

/** OpenAPI schema of a probe's body: terminus' result plus our `degraded` flag. */
export class HealthReportDto {
  @ApiProperty({ enum: ['ok', 'error', 'shutting_down'], example: 'ok' })
  status!: 'ok' | 'error' | 'shutting_down';

  @ApiPropertyOptional({ ...INDICATORS, description: 'Indicators that are up.', example: { cache: { status: 'up', backend: 'redis', breaker: 'closed', degraded: false } } })
  info?: HealthIndicatorResult;

  @ApiPropertyOptional({ ...INDICATORS, description: 'Indicators that are down.', example: {} })
  error?: HealthIndicatorResult;

  @ApiProperty({
    ...INDICATORS,
    description:
      'Every indicator: `lifecycle`/`app` (phase, version, uptime), `cache` (backend, breaker, `degradedReasons`, Redis round trip, ' +
      '`redis.writes` and `redis.auth` as `{ ok, reason, since, message, failures }`, client resets, L1 use), `marketData` (provider, recent failures).',
    example: {
      lifecycle: { status: 'up', phase: 'ready', waitingFor: [] },
      cache: { status: 'up', backend: 'redis', breaker: 'closed', degraded: true, degradedReasons: ['writes-OOM'] },
    },
  })
  details!: HealthIndicatorResult;

  @ApiPropertyOptional({
    description:
      'Some dependency is down or refusing (Redis: serving from memory, refusing writes with OOM/READONLY, refusing our password, a recent client reset; see `details.cache.degradedReasons`) but requests are still answered. Absent on /health/live.',
    example: false,
  })
  degraded?: boolean;
}

import { ApiProperty } from '@nestjs/swagger';
import type { HotKey } from '../cache';
import { WarmupProgressDto } from '../warmup/warmup.dto';
import type { DashboardData, PolicyNow } from './dashboard.service';
import type { SeriesPoint } from './stats-series';

export class DashboardSessionDto {
  @ApiProperty({ description: 'When the session cookie expires', example: '2025-01-01T12:00:00.000Z' }) expiresAt!: string;
}

class DashboardPolicyDto implements PolicyNow {
  @ApiProperty() hitsL1!: number;
  @ApiProperty() hitsL2!: number;
  @ApiProperty({ description: 'Served past TTL, within grace' }) stale!: number;
  @ApiProperty() misses!: number;
  @ApiProperty() lookups!: number;
  @ApiProperty({ type: Number, nullable: true, description: 'Hits (L1 + L2 + stale) / lookups; null before the first lookup' }) hitRate!: number | null;
}

class DashboardL1Dto {
  @ApiProperty() entries!: number;
  @ApiProperty() bytes!: number;
  @ApiProperty({ description: 'CACHE_L1_MAX_ENTRIES' }) maxEntries!: number;
  @ApiProperty({ description: 'CACHE_L1_MAX_BYTES' }) maxBytes!: number;
}

class DashboardL2Dto {
  @ApiProperty() errors!: number;
  @ApiProperty() timeouts!: number;
  @ApiProperty() circuitOpenRejections!: number;
  @ApiProperty() corruptEntries!: number;
}

class DashboardUpstreamDto {
  @ApiProperty({ example: 'synthetic' }) provider!: string;
  @ApiProperty() calls!: number;
  @ApiProperty() failures!: number;
  @ApiProperty() inFlight!: number;
  @ApiProperty() queued!: number;
}

class DashboardHotKeyDto implements HotKey {
  @ApiProperty({ example: 'v1:price:AAPL' }) key!: string;
  @ApiProperty({ description: 'Recent requests (halved every 5 minutes)' }) hits!: number;
}

export class DashboardDataDto implements DashboardData {
  @ApiProperty() generatedAt!: string;
  @ApiProperty({ description: 'DASHBOARD_SAMPLE_INTERVAL_MS: one series point per interval; the page polls at this pace' }) sampleIntervalMs!: number;
  @ApiProperty({ description: 'How far back the series reaches' }) windowMs!: number;
  @ApiProperty({ enum: ['redis', 'memory'] }) backend!: DashboardData['backend'];
  @ApiProperty({ enum: ['closed', 'half-open', 'open', 'disabled'] }) breaker!: DashboardData['breaker'];
  @ApiProperty({ type: DashboardPolicyDto }) totals!: DashboardPolicyDto;
  @ApiProperty({ type: 'object', additionalProperties: { $ref: '#/components/schemas/DashboardPolicyDto' }, description: 'Per cache policy' })
  policies!: Record<string, DashboardPolicyDto>;
  @ApiProperty({ type: DashboardL1Dto }) l1!: DashboardL1Dto;
  @ApiProperty({ type: DashboardL2Dto, description: 'L2 failures since start, by kind' }) l2!: DashboardL2Dto;
  @ApiProperty({ type: DashboardUpstreamDto }) upstream!: DashboardUpstreamDto;
  @ApiProperty({ type: WarmupProgressDto, nullable: true, description: 'The running warmup, else the last one' }) warmup!: WarmupProgressDto | null;
  @ApiProperty({ type: [DashboardHotKeyDto] }) topKeys!: DashboardHotKeyDto[];
  @ApiProperty({
    type: 'array',
    items: { type: 'object' },
    description:
      'One point per sample interval, oldest first: lookups, hitRate, tiers {l1, l2, stale} (shares of lookups), policies {name: hit rate}, ' +
      'l2Latency {count, p50Ms, p95Ms, maxMs} | null, l2Failures, upstreamCalls, upstreamFailures, l1 {entries, bytes}, breaker, backend',
  })
  series!: SeriesPoint[];
}

import { Controller, Get, Res, ServiceUnavailableException } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { PublicRoute } from '../auth';
import { HealthCheck, HealthCheckService, type HealthCheckResult, type HealthIndicatorFunction } from '@nestjs/terminus';
import type { FastifyReply } from 'fastify';
import { NoCache, RedisHealthIndicator } from '../cache';
import { MarketDataHealthIndicator } from '../market-data/market-data.health';
import { HealthReportDto } from './health.dto';
import { LifecycleHealthIndicator } from './lifecycle.health';

/** A terminus result plus one flag: some dependency is down but the service still answers. */
export type HealthReport = HealthCheckResult & { degraded: boolean };

@ApiTags('health')
@PublicRoute()
@Controller('health')
@NoCache()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly lifecycle: LifecycleHealthIndicator,
    private readonly cache: RedisHealthIndicator,
    private readonly marketData: MarketDataHealthIndicator,
  ) {}

  // No dependency is checked, so Redis or upstream trouble never restarts pods.
  @Get('live')
  @HealthCheck()
  @ApiOperation({ summary: 'Liveness: the process answers' })
  @ApiOkResponse({ type: HealthReportDto, description: 'Always 200 while the process runs; checks nothing else.' })
  live(): Promise<HealthCheckResult> {
    return this.health.check([]);
  }

  @Get('ready')
  @HealthCheck()
  @ApiOperation({ summary: 'Readiness: 503 while booting or shutting down; Redis down is only `degraded`' })
  @ApiOkResponse({ type: HealthReportDto, description: 'Ready to take traffic (possibly `degraded`).' })
  @ApiServiceUnavailableResponse({ type: HealthReportDto, description: 'Booting or shutting down: take this replica out of the load balancer.' })
  async ready(@Res() reply: FastifyReply): Promise<void> {
    await this.send(reply, [() => this.lifecycle.ready('lifecycle'), () => this.cache.backend('cache')]);
  }

  @Get()
  @HealthCheck()
  @ApiOperation({ summary: 'Cache backend, breaker, Redis round trip, L1 use, upstream status, version, uptime' })
  @ApiOkResponse({ type: HealthReportDto, description: 'Every indicator with its facts.' })
  @ApiServiceUnavailableResponse({ type: HealthReportDto, description: 'An indicator is down; `error` says which and why.' })
  async details(@Res() reply: FastifyReply): Promise<void> {
    await this.send(reply, [() => this.lifecycle.about('app'), () => this.cache.details('cache'), () => this.marketData.check('marketData')]);
  }

  // Sent here rather than thrown: the exception filter would keep only a message, and a failing
  // probe's body (which check failed, and why) is what an operator needs.
  private async send(reply: FastifyReply, indicators: HealthIndicatorFunction[]): Promise<void> {
    let result: HealthCheckResult;
    let status = 200;
    try {
      result = await this.health.check(indicators);
    } catch (error) {
      if (!(error instanceof ServiceUnavailableException)) throw error;
      result = error.getResponse() as HealthCheckResult;
      status = 503;
    }
    const degraded = Object.values(result.details).some((detail) => (detail as { degraded?: unknown }).degraded === true);
    const report: HealthReport = { ...result, degraded };
    reply.status(status).send(report);
  }
}

import { Controller, Get, Header, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { PublicRoute } from '../auth';
import type { FastifyReply } from 'fastify';
import { NoCache } from '../cache';
import { MetricsRegistry } from './metrics-registry';

@ApiTags('operations')
@PublicRoute()
@Controller('metrics')
@NoCache()
export class MetricsController {
  constructor(private readonly metrics: MetricsRegistry) {}

  @Get()
  @Header('cache-control', 'no-store')
  @ApiOperation({ summary: 'Prometheus metrics', description: 'Text exposition format 0.0.4; series prefixed `mc_` plus Node/process defaults.' })
  @ApiProduces('text/plain')
  @ApiOkResponse({
    description: 'Prometheus text format.',
    content: { 'text/plain': { schema: { type: 'string', example: '# TYPE mc_cache_hits_total counter\nmc_cache_hits_total{tier="l1",policy="price"} 42\n' } } },
  })
  async scrape(@Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    reply.header('content-type', this.metrics.contentType);
    return this.metrics.metrics();
  }
}

import { Controller, Get } from '@nestjs/common';
import { CacheService, NoCache } from '../cache';

@Controller('health')
@NoCache()
export class HealthController {
  constructor(private readonly cache: CacheService) {}

  /** Liveness: the process answers. No dependency is checked, so Redis trouble never restarts pods. */
  @Get('live')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** Which backend serves the cache and the breaker state. */
  @Get()
  health(): { status: 'ok'; cache: { backend: string; breaker: string } } {
    const stats = this.cache.stats();
    return { status: 'ok', cache: { backend: stats.backend, breaker: stats.breaker } };
  }
}

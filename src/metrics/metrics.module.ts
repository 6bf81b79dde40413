import { Global, Module } from '@nestjs/common';
import { MarketDataModule } from '../market-data/market-data.module';
import { CacheMetrics } from './cache-metrics';
import { HttpMetrics } from './http-metrics';
import { MetricsController } from './metrics.controller';
import { MetricsRegistry } from './metrics-registry';
import { UpstreamMetrics } from './upstream-metrics';

/**
 * `GET /metrics` and the app's metric series. Global so any feature (e.g. warmup) can inject
 * `MetricsRegistry` and add its own series to the same registry.
 */
@Global()
@Module({
  imports: [MarketDataModule],
  controllers: [MetricsController],
  providers: [MetricsRegistry, CacheMetrics, UpstreamMetrics, HttpMetrics],
  exports: [MetricsRegistry, HttpMetrics],
})
export class MetricsModule {}

import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ThrottlerModule, type ThrottlerModuleOptions } from '@nestjs/throttler';
import type { AllConfig } from '../config/configuration';
import { AdminCacheController } from './admin-cache.controller';
import { AdminCacheService } from './admin-cache.service';
import { ADMIN_THROTTLE_WINDOW_MS, ADMIN_THROTTLER } from './admin.constants';
import { ApiKeyGuard } from './api-key.guard';

/**
 * The admin API. ThrottlerModule is global, but its guard runs only where `@AdminRoute()` puts
 * it, so only admin routes are rate-limited. Controllers of other modules (warmup) use
 * `@AdminRoute()` too and share the same per-IP budget.
 */
@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService<AllConfig, true>): ThrottlerModuleOptions => ({
        throttlers: [{ name: ADMIN_THROTTLER, ttl: ADMIN_THROTTLE_WINDOW_MS, limit: config.get('app', { infer: true }).adminRateLimitPerMinute }],
        // One budget per client across all admin routes (the default key is per route).
        generateKey: (_context, tracker, name) => `${name}:${tracker}`,
      }),
    }),
  ],
  controllers: [AdminCacheController],
  providers: [AdminCacheService, ApiKeyGuard],
  exports: [ApiKeyGuard],
})
export class AdminModule {}

import { Module } from '@nestjs/common';
import { IdempotencyModule } from '../idempotency/idempotency.module';
import { AdminCacheController } from './admin-cache.controller';
import { AdminCacheService } from './admin-cache.service';
import { ApiKeyGuard } from './api-key.guard';

/**
 * The admin API. The admin budgets are registered by `AuthModule` (global) and applied where
 * `@AdminRoute()` puts `AdminThrottlerGuard`. Controllers of other modules (warmup) use
 * `@AdminRoute()` too and share the same per-caller budget.
 */
@Module({
  imports: [IdempotencyModule],
  controllers: [AdminCacheController],
  providers: [AdminCacheService, ApiKeyGuard],
  exports: [ApiKeyGuard],
})
export class AdminModule {}

import { Global, Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerModule, type ThrottlerModuleOptions } from '@nestjs/throttler';
import type { AllConfig } from '../config/configuration';
import { ADMIN_FAILURES_THROTTLER, ADMIN_THROTTLER, BUDGET_WINDOW_MS, COMPUTE_THROTTLER } from './auth.constants';
import { CallerRegistry } from './caller-registry';
import { ComputeBudgetGuard } from './compute-budget.guard';
import { RouteScopes } from './route-scopes';
import { ScopeGuard } from './scope.guard';

/**
 * Callers, scopes and budgets: the registry of client credentials, the global `ScopeGuard` and
 * every budget (ThrottlerModule is global; each throttler guard applies only its own budgets:
 * `ComputeBudgetGuard` the compute one, `AdminThrottlerGuard` the admin ones). In memory, per
 * replica.
 */
@Global()
@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService<AllConfig, true>): ThrottlerModuleOptions => {
        const { adminRateLimitPerMinute } = config.get('app', { infer: true });
        const { computePerMinute, adminFailedAuthPerMinute } = config.get('auth', { infer: true });
        return {
          throttlers: [
            { name: ADMIN_THROTTLER, ttl: BUDGET_WINDOW_MS, limit: adminRateLimitPerMinute },
            { name: ADMIN_FAILURES_THROTTLER, ttl: BUDGET_WINDOW_MS, limit: adminFailedAuthPerMinute },
            ...(computePerMinute > 0 ? [{ name: COMPUTE_THROTTLER, ttl: BUDGET_WINDOW_MS, limit: computePerMinute }] : []),
          ],
          // One budget per tracker across routes (the default key is per route).
          generateKey: (_context, tracker, name) => `${name}:${tracker}`,
        };
      },
    }),
  ],
  providers: [CallerRegistry, RouteScopes, ComputeBudgetGuard, ScopeGuard, { provide: APP_GUARD, useExisting: ScopeGuard }],
  exports: [CallerRegistry, RouteScopes],
})
export class AuthModule {}

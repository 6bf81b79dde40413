import { Module } from '@nestjs/common';
import { StateConnection } from '../state/state-connection';
import { StateModule } from '../state/state.module';
import { IdempotencyStore, MemoryIdempotencyStore, RedisIdempotencyStore } from './idempotency-store';
import { IdempotencyInterceptor } from './idempotency.interceptor';

/** Idempotency keys, in the state namespace (memory when Redis is disabled). Wiring only. */
@Module({
  imports: [StateModule],
  providers: [
    {
      provide: IdempotencyStore,
      inject: [StateConnection],
      useFactory: (state: StateConnection): IdempotencyStore =>
        state.backend === 'memory' ? new MemoryIdempotencyStore() : new RedisIdempotencyStore(() => state.client, state.keyPrefix),
    },
    IdempotencyInterceptor,
  ],
  exports: [IdempotencyStore, IdempotencyInterceptor],
})
export class IdempotencyModule {}

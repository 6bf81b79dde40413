import { Module } from '@nestjs/common';
import { StateConnection } from './state-connection';

/** The state namespace (alerts, screenings, leases), apart from the cache. Wiring only. */
@Module({
  providers: [StateConnection],
  exports: [StateConnection],
})
export class StateModule {}

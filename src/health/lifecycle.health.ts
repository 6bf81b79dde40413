import { Injectable } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { appVersion } from './app-version';
import { ReadinessState } from './readiness.state';

/** The process itself: whether it takes traffic (readiness), its version and uptime. */
@Injectable()
export class LifecycleHealthIndicator {
  constructor(
    private readonly indicator: HealthIndicatorService,
    private readonly readiness: ReadinessState,
  ) {}

  /** Down before boot finished and from the moment shutdown begins. */
  ready(key: string): HealthIndicatorResult {
    const check = this.indicator.check(key);
    const data = { phase: this.readiness.phase, waitingFor: this.readiness.waitingFor };
    return this.readiness.ready ? check.up(data) : check.down(data);
  }

  /** Always up: facts for operators, never a reason to fail `/health`. */
  about(key: string): HealthIndicatorResult {
    return this.indicator.check(key).up({
      version: appVersion(),
      phase: this.readiness.phase,
      uptimeSeconds: Math.round(process.uptime()),
      node: process.version,
    });
  }
}

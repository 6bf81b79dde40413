import { Injectable, Logger } from '@nestjs/common';

export type ReadinessPhase = 'starting' | 'ready' | 'shutting-down';

/**
 * Whether this replica should receive traffic: not before the app finished booting (and any
 * boot gate, e.g. a bounded boot warmup, settled), never again once shutdown began.
 */
@Injectable()
export class ReadinessState {
  private readonly logger = new Logger(ReadinessState.name);
  private booted = false;
  private shuttingDown = false;
  private readonly gates = new Set<string>();

  get phase(): ReadinessPhase {
    if (this.shuttingDown) return 'shutting-down';
    return this.booted && this.gates.size === 0 ? 'ready' : 'starting';
  }

  get ready(): boolean {
    return this.phase === 'ready';
  }

  /** Gates readiness is still waiting for (their names). */
  get waitingFor(): string[] {
    return [...this.gates];
  }

  markBooted(): void {
    this.booted = true;
  }

  /**
   * Keeps readiness at 503 until `until` settles (fulfilled or rejected). The caller bounds it:
   * a gate that never settles keeps the replica out of rotation.
   */
  holdUntil(name: string, until: Promise<unknown>): void {
    this.gates.add(name);
    const release = () => {
      this.gates.delete(name);
      this.logger.log(`Readiness gate "${name}" released`);
    };
    until.then(release, release);
  }

  beginShutdown(): void {
    this.shuttingDown = true;
  }
}

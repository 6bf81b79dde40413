import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { CronJob } from 'cron';

export type ScheduledTask = () => Promise<unknown>;

/**
 * The warmup's only door to timers: cron jobs and intervals by name. An abstract class so it is
 * the DI token and tests swap in a fake they tick by hand. Tasks never throw into the timer:
 * a failure is logged and the schedule goes on.
 */
export abstract class Scheduler {
  /** Runs `task` on a cron expression in `timeZone`; a tick is skipped while the previous one still runs. */
  abstract cron(name: string, expression: string, timeZone: string, task: ScheduledTask): void;
  /** Runs `task` every `intervalMs`. */
  abstract every(name: string, intervalMs: number, task: ScheduledTask): void;
  abstract cancel(name: string): void;
  /** The next time a cron job fires, for logs and operators. */
  abstract nextRun(name: string): Date | undefined;
}

/** `Scheduler` over `@nestjs/schedule`'s `SchedulerRegistry` and `cron`'s `CronJob`. */
@Injectable()
export class NestScheduler extends Scheduler implements OnApplicationShutdown {
  private readonly logger = new Logger(Scheduler.name);
  private readonly names = new Set<string>();

  constructor(private readonly registry: SchedulerRegistry) {
    super();
  }

  cron(name: string, expression: string, timeZone: string, task: ScheduledTask): void {
    const job = CronJob.from({
      cronTime: expression,
      timeZone,
      onTick: () => this.guard(name, task),
      waitForCompletion: true,
      start: false,
    });
    this.registry.addCronJob(name, job);
    this.names.add(name);
    job.start();
  }

  every(name: string, intervalMs: number, task: ScheduledTask): void {
    let running = false;
    const handle = setInterval(() => {
      // Same rule as the cron jobs: a slow pass never overlaps the next one.
      if (running) return;
      running = true;
      void this.guard(name, task).finally(() => (running = false));
    }, intervalMs);
    // Timers must not keep a closing process (or a finished test) alive.
    handle.unref();
    this.registry.addInterval(name, handle);
    this.names.add(name);
  }

  cancel(name: string): void {
    if (this.registry.doesExist('cron', name)) this.registry.deleteCronJob(name);
    if (this.registry.doesExist('interval', name)) this.registry.deleteInterval(name);
    this.names.delete(name);
  }

  nextRun(name: string): Date | undefined {
    return this.registry.doesExist('cron', name) ? this.registry.getCronJob(name).nextDate().toJSDate() : undefined;
  }

  onApplicationShutdown(): void {
    for (const name of [...this.names]) this.cancel(name);
  }

  private async guard(name: string, task: ScheduledTask): Promise<void> {
    try {
      await task();
    } catch (error) {
      this.logger.error(`Scheduled task ${name} failed: ${(error as Error).message}`);
    }
  }
}

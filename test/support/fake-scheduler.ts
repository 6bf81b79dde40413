import { Scheduler, type ScheduledTask } from '../../src/warmup/scheduler';

interface Job {
  kind: 'cron' | 'every';
  spec: string;
  task: ScheduledTask;
}

/** A `Scheduler` that never fires by itself: tests read what was scheduled and `fire` it by hand. */
export class FakeScheduler extends Scheduler {
  readonly jobs = new Map<string, Job>();

  cron(name: string, expression: string, timeZone: string, task: ScheduledTask): void {
    this.add(name, { kind: 'cron', spec: `${expression} ${timeZone}`, task });
  }

  every(name: string, intervalMs: number, task: ScheduledTask): void {
    this.add(name, { kind: 'every', spec: `${intervalMs}ms`, task });
  }

  cancel(name: string): void {
    this.jobs.delete(name);
  }

  nextRun(name: string): Date | undefined {
    return this.jobs.has(name) ? new Date(0) : undefined;
  }

  /** Runs a job's task once, as a tick would; throws if the job is not scheduled. */
  async fire(name: string): Promise<void> {
    const job = this.jobs.get(name);
    if (!job) throw new Error(`No job ${name}; scheduled: ${[...this.jobs.keys()].join(', ')}`);
    await job.task();
  }

  private add(name: string, job: Job): void {
    if (this.jobs.has(name)) throw new Error(`Job ${name} is already scheduled`);
    this.jobs.set(name, job);
  }
}

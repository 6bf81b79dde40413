import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import {
  collectDefaultMetrics,
  Counter,
  Gauge,
  Histogram,
  Registry,
  type CounterConfiguration,
  type GaugeConfiguration,
  type HistogramConfiguration,
} from 'prom-client';

/** Every series this service defines starts with this (the Node/process defaults keep their standard names). */
export const METRIC_PREFIX = 'mc_';

type Named<C> = Omit<C, 'registers' | 'name'> & { name: string };

/**
 * The app's own Prometheus registry. Per app rather than prom-client's global default: tests
 * start several apps in one process, and a global registry would throw on the second
 * registration of a name and mix their counters. Other modules register their series here
 * (`counter`/`gauge`/`histogram` prefix the name with `mc_`).
 */
@Injectable()
export class MetricsRegistry implements OnModuleDestroy {
  readonly registry = new Registry();

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  counter<L extends string>(config: Named<CounterConfiguration<L>>): Counter<L> {
    return new Counter<L>({ ...config, name: METRIC_PREFIX + config.name, registers: [this.registry] });
  }

  gauge<L extends string>(config: Named<GaugeConfiguration<L>>): Gauge<L> {
    return new Gauge<L>({ ...config, name: METRIC_PREFIX + config.name, registers: [this.registry] });
  }

  histogram<L extends string>(config: Named<HistogramConfiguration<L>>): Histogram<L> {
    return new Histogram<L>({ ...config, name: METRIC_PREFIX + config.name, registers: [this.registry] });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The exposition text; collect callbacks (L1 size, upstream counts) run now. */
  metrics(): Promise<string> {
    return this.registry.metrics();
  }

  onModuleDestroy(): void {
    this.registry.clear();
  }
}

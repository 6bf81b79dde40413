import { Inject, Injectable, Logger } from '@nestjs/common';
import { CacheKeys, CacheService } from '../cache';
import { NotFoundError } from '../common/errors';
import type { SignalsConfig } from '../config/signals.config';
import { MAX_SCAN_LIMIT, ScanRequestDto } from '../scans/scans.dto';
import { ScansService } from '../scans/scans.service';
import type { StateRecords } from '../state/state-records';
import { signalsOf } from './signal-rules';
import type { Screening } from './signals.dto';
import { SCREENINGS, SIGNALS_CONFIG } from './signals.constants';

/**
 * Active signals: the symbols of the configured universe whose latest scan record (composite and
 * momentum scores) crossed a threshold. Each computation is stored twice: as the active signals
 * (cache, `signals` policy, 1 h: recomputed on a miss) and as the day's screening (state, kept
 * SIGNALS_SCREENING_RETENTION_HOURS after the day's last run: a record, which no cache operation removes).
 */
@Injectable()
export class SignalsService {
  private readonly logger = new Logger(SignalsService.name);

  constructor(
    private readonly cache: CacheService,
    private readonly scans: ScansService,
    @Inject(SIGNALS_CONFIG) private readonly config: SignalsConfig,
    @Inject(SCREENINGS) private readonly screenings: StateRecords<Screening>,
  ) {}

  /** The latest signals; computed on a cold read, so the route answers before the first scheduled run. */
  active(): Promise<Screening> {
    return this.cache.wrap('signals', CacheKeys.signals(), () => this.compute());
  }

  /** Recomputes and stores the signals (the scheduled job); every replica then reads the new ones. */
  async refresh(): Promise<Screening> {
    const screening = await this.compute();
    await this.cache.set('signals', CacheKeys.signals(), screening);
    return screening;
  }

  /** A day's stored screening (`YYYY-MM-DD`, UTC). @throws NotFoundError when none is stored for that day */
  async screening(date: string): Promise<Screening> {
    const stored = await this.screenings.get(date);
    const hours = Math.round(this.config.screeningRetentionMs / 3600_000);
    if (!stored) throw new NotFoundError(`No screening stored for ${date}: screenings are kept ${hours} h after the day's last run`);
    return stored;
  }

  private async compute(): Promise<Screening> {
    const { universe, horizon, thresholds } = this.config;
    const request = Object.assign(new ScanRequestDto(), { universe, horizon, limit: MAX_SCAN_LIMIT });
    const scan = await this.scans.scan(request);
    const screening: Screening = {
      date: scan.date,
      asOf: new Date().toISOString(),
      universe,
      horizon,
      thresholds,
      scanned: scan.stats.scanned,
      signals: signalsOf(scan.results, thresholds),
    };
    // A state store that cannot be reached loses this run's screening, not the signals themselves.
    await this.screenings.put(screening.date, screening).catch((error: Error) => this.logger.warn(`Screening of ${screening.date} not stored: ${error.message}`));
    return screening;
  }
}

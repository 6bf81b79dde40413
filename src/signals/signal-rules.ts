import type { SignalsConfig } from '../config/signals.config';
import type { ScanItem } from '../scans/scans.dto';

export const SIGNAL_KINDS = ['strong', 'weak', 'momentum'] as const;
export type SignalKind = (typeof SIGNAL_KINDS)[number];

export type SignalThresholds = SignalsConfig['thresholds'];

/** A symbol whose latest scan record crossed a threshold, with why. */
export interface ActiveSignal {
  symbol: string;
  name: string;
  sector: string;
  kinds: SignalKind[];
  /** One human-readable line per threshold crossed, e.g. `composite 84.2 >= 80`. */
  reasons: string[];
  composite: number | null;
  momentum: number | null;
  value: number | null;
  confidence: number;
  price: number | null;
}

const fmt = (n: number) => String(Math.round(n * 10) / 10);

/** The signal of one scan record, or undefined when it crosses no threshold (or is not confident enough). */
export function signalOf(item: ScanItem, thresholds: SignalThresholds): ActiveSignal | undefined {
  if (item.confidence < thresholds.minConfidence) return undefined;
  const kinds: SignalKind[] = [];
  const reasons: string[] = [];
  if (item.composite !== null && item.composite >= thresholds.compositeHigh) {
    kinds.push('strong');
    reasons.push(`composite ${fmt(item.composite)} >= ${thresholds.compositeHigh}`);
  }
  if (item.composite !== null && item.composite <= thresholds.compositeLow) {
    kinds.push('weak');
    reasons.push(`composite ${fmt(item.composite)} <= ${thresholds.compositeLow}`);
  }
  if (item.momentum !== null && item.momentum >= thresholds.momentumHigh) {
    kinds.push('momentum');
    reasons.push(`momentum ${fmt(item.momentum)} >= ${thresholds.momentumHigh}`);
  }
  if (kinds.length === 0) return undefined;
  const { symbol, name, sector, composite, momentum, value, confidence, price } = item;
  return { symbol, name, sector, kinds, reasons, composite, momentum, value, confidence, price };
}

/** Signals of a whole scan, strongest composite first (weak ones, lowest first, after them). */
export function signalsOf(items: readonly ScanItem[], thresholds: SignalThresholds): ActiveSignal[] {
  const signals = items.map((item) => signalOf(item, thresholds)).filter((s): s is ActiveSignal => s !== undefined);
  const rank = (s: ActiveSignal) => (s.kinds.includes('weak') ? 1000 + (s.composite ?? 0) : 100 - (s.composite ?? 0));
  return signals.sort((a, b) => rank(a) - rank(b) || a.symbol.localeCompare(b.symbol));
}

import type { ScanItem } from '../scans/scans.dto';
import { signalOf, signalsOf } from './signal-rules';

const thresholds = { compositeHigh: 80, compositeLow: 20, momentumHigh: 90, minConfidence: 0.5 };
const item = (symbol: string, composite: number | null, momentum: number | null, confidence = 0.9): ScanItem => ({
  symbol,
  name: symbol,
  sector: 'Energy',
  price: 10,
  avgVolume: 1000,
  composite,
  momentum,
  value: 50,
  confidence,
});

describe('signal rules', () => {
  it('flags a composite at or above the high threshold as strong, with the reason', () => {
    expect(signalOf(item('A', 80, 50), thresholds)).toMatchObject({ kinds: ['strong'], reasons: ['composite 80 >= 80'] });
    expect(signalOf(item('B', 79.9, 50), thresholds)).toBeUndefined();
  });

  it('flags weak composites and high momentum, possibly both at once', () => {
    expect(signalOf(item('A', 20, 50), thresholds)?.kinds).toEqual(['weak']);
    expect(signalOf(item('B', 85.04, 95.26), thresholds)).toMatchObject({ kinds: ['strong', 'momentum'], reasons: ['composite 85 >= 80', 'momentum 95.3 >= 90'] });
  });

  it('ignores records below the minimum confidence and null scores', () => {
    expect(signalOf(item('A', 99, 99, 0.49), thresholds)).toBeUndefined();
    expect(signalOf(item('B', null, null), thresholds)).toBeUndefined();
  });

  it('orders strong signals by composite descending, then weak ones ascending', () => {
    const ranked = signalsOf([item('W2', 15, 10), item('S1', 81, 10), item('S2', 95, 10), item('W1', 5, 10), item('N', 50, 10)], thresholds);
    expect(ranked.map((s) => s.symbol)).toEqual(['S2', 'S1', 'W1', 'W2']);
  });
});

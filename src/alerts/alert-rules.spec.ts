import type { Quote } from '../market-data/market-data.types';
import { isCrossed, isExpired, notificationOf, parseDefinition, type AlertDefinition } from './alert-rules';

const alert = (over: Partial<AlertDefinition>): AlertDefinition => ({
  id: 'a1',
  owner: 'alice',
  symbol: 'AAPL',
  condition: 'above',
  price: 100,
  percent: null,
  referencePrice: 95,
  createdAt: '2024-05-03T10:00:00.000Z',
  expiresAt: '2024-06-01T10:00:00.000Z',
  webhookUrl: null,
  ...over,
});

describe('alert rules', () => {
  it('fires above/below at or beyond the threshold only', () => {
    expect(isCrossed(alert({ condition: 'above' }), 99.99)).toBe(false);
    expect(isCrossed(alert({ condition: 'above' }), 100)).toBe(true);
    expect(isCrossed(alert({ condition: 'below' }), 100.01)).toBe(false);
    expect(isCrossed(alert({ condition: 'below' }), 100)).toBe(true);
  });

  it('fires a move of at least the percent either way from the reference price', () => {
    const move = alert({ condition: 'move', price: null, percent: 5, referencePrice: 200 });
    expect(isCrossed(move, 209.99)).toBe(false);
    expect(isCrossed(move, 210)).toBe(true);
    expect(isCrossed(move, 190.01)).toBe(false);
    expect(isCrossed(move, 190)).toBe(true);
  });

  it('knows when an alert has expired', () => {
    const timed = alert({ expiresAt: '2024-05-03T10:00:00.000Z' });
    expect(isExpired(timed, new Date('2024-05-03T09:59:59.999Z'))).toBe(false);
    expect(isExpired(timed, new Date('2024-05-03T10:00:00.000Z'))).toBe(true);
    expect(isExpired(alert({}), new Date('2024-05-31T10:00:00.000Z'))).toBe(false);
  });

  it('describes the crossing price and the move from the reference', () => {
    const quote = { symbol: 'AAPL', price: 104.5, asOf: '2024-05-03T10:01:00.000Z' } as Quote;
    expect(notificationOf(alert({}), quote, new Date('2024-05-03T10:01:01.000Z'))).toEqual({
      alertId: 'a1',
      symbol: 'AAPL',
      condition: 'above',
      threshold: 100,
      price: 104.5,
      referencePrice: 95,
      changePercent: 10,
      quoteAsOf: '2024-05-03T10:01:00.000Z',
      firedAt: '2024-05-03T10:01:01.000Z',
      message: 'AAPL at 104.5 is above 100',
    });
  });

  it('reads a stored definition back only when every field holds together', () => {
    const good = alert({});
    expect(parseDefinition(JSON.stringify(good), 'a1')).toEqual(good);
    expect(parseDefinition(JSON.stringify(good), 'other-id')).toBeUndefined();
    for (const bad of ['not json{', 'null', '42', JSON.stringify({ ...good, condition: 'sideways' }), JSON.stringify({ ...good, expiresAt: null }), JSON.stringify({ ...good, owner: undefined }), JSON.stringify({ ...good, price: 'x' }), JSON.stringify({ ...good, condition: 'move', percent: null })]) {
      expect({ bad, parsed: parseDefinition(bad) }).toEqual({ bad, parsed: undefined });
    }
  });
});

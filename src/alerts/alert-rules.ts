import type { Quote } from '../market-data/market-data.types';

export const ALERT_CONDITIONS = ['above', 'below', 'move'] as const;
/** `above`/`below` a price, or a `move` of at least `percent` either way from the price at registration. */
export type AlertCondition = (typeof ALERT_CONDITIONS)[number];

export interface Alert {
  id: string;
  symbol: string;
  condition: AlertCondition;
  /** Threshold of `above`/`below`; null for `move`. */
  price: number | null;
  /** Threshold of `move`, in percent of `referencePrice`; null otherwise. */
  percent: number | null;
  /** The provider's price when the alert was registered. */
  referencePrice: number;
  createdAt: string;
  /** After this the alert is gone; null = until it fires or is deleted. */
  expiresAt: string | null;
  webhookUrl: string | null;
}

/** What subscribers (SSE, webhooks) receive when an alert fires, once. */
export interface AlertNotification {
  alertId: string;
  symbol: string;
  condition: AlertCondition;
  /** The alert's price, or its percent for `move`. */
  threshold: number;
  /** The price that crossed it. */
  price: number;
  referencePrice: number;
  /** Move from the reference price, percent. */
  changePercent: number;
  quoteAsOf: string;
  firedAt: string;
  message: string;
}

const round = (n: number, digits: number) => Math.round(n * 10 ** digits) / 10 ** digits;

export function isExpired(alert: Alert, now: Date): boolean {
  return alert.expiresAt !== null && Date.parse(alert.expiresAt) <= now.getTime();
}

/** Whether a price satisfies the alert (at or beyond the threshold). */
export function isCrossed(alert: Alert, price: number): boolean {
  switch (alert.condition) {
    case 'above':
      return price >= (alert.price ?? Number.POSITIVE_INFINITY);
    case 'below':
      return price <= (alert.price ?? Number.NEGATIVE_INFINITY);
    case 'move':
      return (Math.abs(price - alert.referencePrice) / alert.referencePrice) * 100 >= (alert.percent ?? Number.POSITIVE_INFINITY);
    default: {
      const unreachable: never = alert.condition;
      throw new Error(`Unknown alert condition ${String(unreachable)}`);
    }
  }
}

export function notificationOf(alert: Alert, quote: Quote, now: Date): AlertNotification {
  const threshold = alert.condition === 'move' ? (alert.percent ?? 0) : (alert.price ?? 0);
  const changePercent = round(((quote.price - alert.referencePrice) / alert.referencePrice) * 100, 4);
  const what = alert.condition === 'move' ? `moved ${changePercent}% (alert at ±${threshold}%)` : `is ${alert.condition} ${threshold}`;
  return {
    alertId: alert.id,
    symbol: alert.symbol,
    condition: alert.condition,
    threshold,
    price: quote.price,
    referencePrice: alert.referencePrice,
    changePercent,
    quoteAsOf: quote.asOf,
    firedAt: now.toISOString(),
    message: `${alert.symbol} at ${quote.price} ${what}`,
  };
}

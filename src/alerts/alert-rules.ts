import type { Quote } from '../market-data/market-data.types';

export const ALERT_CONDITIONS = ['above', 'below', 'move'] as const;
/** `above`/`below` a price, or a `move` of at least `percent` either way from the price at registration. */
export type AlertCondition = (typeof ALERT_CONDITIONS)[number];

export const ALERT_STATUSES = ['active', 'fired', 'expired', 'deleted'] as const;
/** `active` until it fires, expires or is deleted; the other three are kept `ALERTS_HISTORY_RETENTION_HOURS`. */
export type AlertStatus = (typeof ALERT_STATUSES)[number];

/** What a caller registered: never changes once stored. */
export interface AlertDefinition {
  id: string;
  /** The caller that registered it: only it (or an admin) reads, deletes or streams it. */
  owner: string;
  symbol: string;
  condition: AlertCondition;
  /** Threshold of `above`/`below`; null for `move`. */
  price: number | null;
  /** Threshold of `move`, in percent of `referencePrice`; null otherwise. */
  percent: number | null;
  /** The provider's price when the alert was registered. */
  referencePrice: number;
  createdAt: string;
  /** After this the alert no longer fires (status `expired`); required, at most 30 days after registration. */
  expiresAt: string;
  webhookUrl: string | null;
}

/** An alert and where it stands. */
export interface Alert extends AlertDefinition {
  status: AlertStatus;
  /** When it fired, expired or was deleted; null while active. */
  endedAt: string | null;
  firedAt: string | null;
  /** The price that fired it. */
  firedPrice: number | null;
}

/** How an active alert ends; only the first transition of an alert wins, on any replica. */
export type AlertEnding =
  | { status: 'fired'; at: Date; notification: AlertNotification }
  | { status: 'expired' | 'deleted'; at: Date };

/** A fired alert's notification as kept in the bounded event log (Redis stream or memory ring). */
export interface AlertEvent {
  /** The log's entry id (`<ms>-<seq>`): the SSE `id:`, which a reconnecting client sends back as `Last-Event-ID`. */
  id: string;
  owner: string;
  notification: AlertNotification;
}

/** Who may read, delete or stream an alert: its owner, or a caller with `admin`. */
export function mayAccess(caller: { readonly name: string; readonly scopes: ReadonlySet<string> }, alert: { owner: string }): boolean {
  return alert.owner === caller.name || caller.scopes.has('admin');
}

/** An active alert as first stored. */
export function activeAlert(definition: AlertDefinition): Alert {
  return { ...definition, status: 'active', endedAt: null, firedAt: null, firedPrice: null };
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

export function isExpired(alert: Pick<AlertDefinition, 'expiresAt'>, now: Date): boolean {
  return Date.parse(alert.expiresAt) <= now.getTime();
}

/** Whether a price satisfies the alert (at or beyond the threshold). */
export function isCrossed(alert: AlertDefinition, price: number): boolean {
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

export function notificationOf(alert: AlertDefinition, quote: Quote, now: Date): AlertNotification {
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

const CONDITIONS: ReadonlySet<string> = new Set(ALERT_CONDITIONS);
const isFiniteOrNull = (v: unknown) => v === null || (typeof v === 'number' && Number.isFinite(v));
const isTime = (v: unknown) => typeof v === 'string' && !Number.isNaN(Date.parse(v));

/**
 * Reads a stored definition back, checking every field: a record that does not parse or does not
 * hold together is `undefined` (the store quarantines it rather than letting it fail every read).
 */
export function parseDefinition(raw: string, id?: string): AlertDefinition | undefined {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const a = value as Record<string, unknown>;
  const ok =
    typeof a.id === 'string' &&
    (id === undefined || a.id === id) &&
    typeof a.owner === 'string' &&
    typeof a.symbol === 'string' &&
    typeof a.condition === 'string' &&
    CONDITIONS.has(a.condition) &&
    isFiniteOrNull(a.price) &&
    isFiniteOrNull(a.percent) &&
    (a.condition === 'move' ? typeof a.percent === 'number' && a.percent > 0 : typeof a.price === 'number') &&
    typeof a.referencePrice === 'number' &&
    Number.isFinite(a.referencePrice) &&
    a.referencePrice > 0 &&
    isTime(a.createdAt) &&
    isTime(a.expiresAt) &&
    (a.webhookUrl === null || typeof a.webhookUrl === 'string');
  if (!ok) return undefined;
  return {
    id: a.id as string,
    owner: a.owner as string,
    symbol: a.symbol as string,
    condition: a.condition as AlertCondition,
    price: a.price as number | null,
    percent: a.percent as number | null,
    referencePrice: a.referencePrice as number,
    createdAt: a.createdAt as string,
    expiresAt: a.expiresAt as string,
    webhookUrl: a.webhookUrl as string | null,
  };
}

/** Only the definition's fields (what the store keeps as the immutable part). */
export function definitionOf(alert: AlertDefinition): AlertDefinition {
  const { id, owner, symbol, condition, price, percent, referencePrice, createdAt, expiresAt, webhookUrl } = alert;
  return { id, owner, symbol, condition, price, percent, referencePrice, createdAt, expiresAt, webhookUrl };
}

import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { AppError, InvalidArgumentError, NotFoundError, SymbolNotFoundError } from '../common/errors';
import { MarketDataService } from '../market-data/market-data.service';
import type { Caller } from '../auth';
import { AlertFiring } from './alert-firing.service';
import { activeAlert, isCrossed, mayAccess, type Alert, type AlertDefinition } from './alert-rules';
import { AlertStore } from './alert-store';
import { MAX_ALERT_TTL_SECONDS, type CreateAlertDto } from './alerts.dto';
import { AlertAlreadyTriggeredError, AlertNotActiveError, AlertQuarantinedError } from './alerts.errors';
import { AlertsMetrics } from './alerts.metrics';
import { WebhookDelivery } from './webhook-delivery';

/**
 * Registers, reads and deletes price alerts; firing is `AlertFiring`'s. An alert belongs to the
 * caller that registered it: another caller (without `admin`) gets the same 404 as for an unknown id.
 */
@Injectable()
export class AlertsService {
  constructor(
    private readonly store: AlertStore,
    private readonly marketData: MarketDataService,
    private readonly metrics: AlertsMetrics,
    private readonly firing: AlertFiring,
    private readonly webhooks: WebhookDelivery,
  ) {}

  /**
   * Stores the alert, owned by `caller`, with the provider's current price as its reference (a
   * `move` is measured from it). It fires on the first price update after this call that crosses
   * it; one that the current price already satisfies is refused (409 `ALERT_ALREADY_TRIGGERED`).
   * @throws InvalidArgumentError (unknown symbol, missing or bad expiry, fields of another condition),
   * AlertAlreadyTriggeredError, AlertLimitError (429), StoreUnavailableError
   *
   * `id` (derived from an Idempotency-Key): when this caller's alert with that id is stored already (a
   * first attempt whose outcome was unknown landed), it is answered as is and nothing else is stored.
   */
  async register(request: CreateAlertDto, caller: Caller, id?: string): Promise<Alert> {
    if (id !== undefined) {
      const stored = await this.ownStored(id, caller);
      if (stored) return stored;
    }
    const expiresAt = this.expiryOf(request);
    if (request.condition === 'move' && request.price !== undefined) throw new InvalidArgumentError('price applies to above and below; a move alert takes percent');
    if (request.condition !== 'move' && request.percent !== undefined) throw new InvalidArgumentError(`percent applies to move; an ${request.condition} alert takes price`);
    // Where the webhook points (DNS included): a 400 naming the problem, before anything is stored.
    if (request.webhookUrl !== undefined) await this.webhooks.check(request.webhookUrl);
    let reference;
    try {
      reference = await this.marketData.refreshPrice(request.symbol);
    } catch (error) {
      if (error instanceof SymbolNotFoundError) throw new InvalidArgumentError(`Unknown symbol: ${error.symbol}`, { cause: error });
      throw error;
    }
    const createdAt = new Date();
    const alert: AlertDefinition = {
      id: id ?? randomUUID(),
      owner: caller.name,
      symbol: reference.symbol,
      condition: request.condition,
      price: request.condition === 'move' ? null : (request.price ?? null),
      percent: request.condition === 'move' ? (request.percent ?? null) : null,
      referencePrice: reference.price,
      createdAt: createdAt.toISOString(),
      // A lifetime counts from registration.
      expiresAt: request.ttlSeconds !== undefined ? new Date(createdAt.getTime() + request.ttlSeconds * 1000).toISOString() : expiresAt,
      webhookUrl: request.webhookUrl ?? null,
    };
    // Refused rather than fired at once: the caller learns now, with the price, and nothing is stored.
    if (alert.condition !== 'move' && isCrossed(alert, reference.price)) {
      throw new AlertAlreadyTriggeredError(alert.symbol, reference.price, alert.condition, alert.price ?? 0);
    }
    try {
      await this.store.add(alert);
    } catch (error) {
      // The same id stored meanwhile (a concurrent first attempt landing): that one is the answer.
      const stored = id === undefined || error instanceof AppError ? undefined : await this.ownStored(id, caller);
      if (stored) return stored;
      throw error;
    }
    this.firing.forgetSnapshot();
    this.metrics.onRegistered();
    return activeAlert(alert);
  }

  /**
   * The alert in any status (`active`, or `fired`/`expired`/`deleted` within the history retention).
   * @throws NotFoundError (unknown, past retention, or another caller's), AlertQuarantinedError (410)
   */
  async get(id: string, caller: Caller): Promise<Alert> {
    const lookup = await this.store.get(id);
    if (!lookup) throw notFound(id);
    if (lookup.kind === 'quarantined') throw new AlertQuarantinedError(id);
    if (!mayAccess(caller, lookup.alert)) throw notFound(id);
    return lookup.alert;
  }

  private async ownStored(id: string, caller: Caller): Promise<Alert | undefined> {
    const lookup = await this.store.get(id);
    return lookup?.kind === 'alert' && lookup.alert.owner === caller.name ? lookup.alert : undefined;
  }

  /** Ends an active alert as `deleted`. @throws NotFoundError, AlertQuarantinedError, AlertNotActiveError (409: it already ended) */
  async remove(id: string, caller: Caller): Promise<void> {
    const alert = await this.get(id, caller);
    if (alert.status !== 'active') throw notActive(alert);
    const { won } = await this.store.end(id, { status: 'deleted', at: new Date() });
    if (won) return;
    // It fired or expired meanwhile.
    const now = await this.get(id, caller);
    throw notActive(now);
  }

  // Required and bounded: no alert lives more than 30 days (MAX_ALERT_TTL_SECONDS).
  private expiryOf(request: CreateAlertDto): string {
    if (request.expiresAt !== undefined && request.ttlSeconds !== undefined) throw new InvalidArgumentError('Give expiresAt or ttlSeconds, not both');
    if (request.ttlSeconds !== undefined) return new Date(Date.now() + request.ttlSeconds * 1000).toISOString();
    if (request.expiresAt === undefined) throw new InvalidArgumentError('expiresAt or ttlSeconds is required (at most 30 days)');
    const at = Date.parse(request.expiresAt);
    if (Number.isNaN(at) || at <= Date.now()) throw new InvalidArgumentError('expiresAt must be in the future');
    if (at > Date.now() + MAX_ALERT_TTL_SECONDS * 1000) throw new InvalidArgumentError('expiresAt must be at most 30 days ahead');
    return new Date(at).toISOString();
  }
}

function notFound(id: string): NotFoundError {
  return new NotFoundError(`No alert ${id}`);
}

function notActive(alert: Alert): AlertNotActiveError {
  return new AlertNotActiveError(`Alert ${alert.id} is no longer active: it ${alert.status === 'fired' ? 'fired' : `was ${alert.status}`} at ${alert.endedAt}`);
}

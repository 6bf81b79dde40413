import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { InvalidArgumentError, NotFoundError, SymbolNotFoundError } from '../common/errors';
import { MarketDataService } from '../market-data/market-data.service';
import type { Alert } from './alert-rules';
import { AlertStore } from './alert-store';
import type { CreateAlertDto } from './alerts.dto';
import { AlertsMetrics } from './alerts.metrics';
import { WebhookDelivery } from './webhook-delivery';

/** Registers, reads and deletes price alerts; firing is `AlertFiring`'s. */
@Injectable()
export class AlertsService {
  constructor(
    private readonly store: AlertStore,
    private readonly marketData: MarketDataService,
    private readonly metrics: AlertsMetrics,
    private readonly webhooks: WebhookDelivery,
  ) {}

  /**
   * Stores the alert with the provider's current price as its reference (a `move` is measured
   * from it). It fires on the first price update after this call that crosses it.
   * @throws InvalidArgumentError (unknown symbol, bad expiry, fields of another condition), StoreUnavailableError
   */
  async register(request: CreateAlertDto): Promise<Alert> {
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
    const alert: Alert = {
      id: randomUUID(),
      symbol: reference.symbol,
      condition: request.condition,
      price: request.condition === 'move' ? null : (request.price ?? null),
      percent: request.condition === 'move' ? (request.percent ?? null) : null,
      referencePrice: reference.price,
      createdAt: new Date().toISOString(),
      expiresAt,
      webhookUrl: request.webhookUrl ?? null,
    };
    await this.store.add(alert);
    this.metrics.onRegistered();
    return alert;
  }

  /** @throws NotFoundError when it fired, expired, was deleted or never existed */
  async get(id: string): Promise<Alert> {
    const alert = await this.store.get(id);
    if (!alert) throw notFound(id);
    return alert;
  }

  /** @throws NotFoundError */
  async remove(id: string): Promise<void> {
    if (!(await this.store.claim(id))) throw notFound(id);
  }

  private expiryOf(request: CreateAlertDto): string | null {
    if (request.expiresAt !== undefined && request.ttlSeconds !== undefined) throw new InvalidArgumentError('Give expiresAt or ttlSeconds, not both');
    if (request.ttlSeconds !== undefined) return new Date(Date.now() + request.ttlSeconds * 1000).toISOString();
    if (request.expiresAt === undefined) return null;
    const at = Date.parse(request.expiresAt);
    if (Number.isNaN(at) || at <= Date.now()) throw new InvalidArgumentError('expiresAt must be in the future');
    return new Date(at).toISOString();
  }
}

function notFound(id: string): NotFoundError {
  return new NotFoundError(`No alert ${id}: it fired, expired or was deleted`);
}

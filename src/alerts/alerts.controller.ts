import { Body, Controller, Delete, Get, Headers, HttpCode, HttpStatus, Param, Post, Query, Res } from '@nestjs/common';
import { ApiCreatedResponse, ApiExtraModels, ApiHeader, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags, getSchemaPath } from '@nestjs/swagger';
import { CurrentCaller, RequireScope, type Caller } from '../auth';
import type { FastifyReply } from 'fastify';
import { NoCache } from '../cache';
import { idempotentId, IDEMPOTENCY_HEADER, parseIdempotencyKey } from '../idempotency/idempotency-key';
import { Idempotent } from '../idempotency/idempotent.decorator';
import { ApiErrorResponses } from '../openapi/api-responses.decorator';
import type { Alert } from './alert-rules';
import { AlertStreamHub } from './alert-stream.hub';
import { EVENT_ID_PATTERN } from './alert-store';
import { AlertDto, AlertIdParams, AlertNotificationDto, AlertStreamQueryDto, CreateAlertDto } from './alerts.dto';
import { AlertsService } from './alerts.service';

// Alerts change under the reader (they fire, expire) and the stream never ends: nothing here is HTTP-cached.
@ApiTags('alerts')
@ApiExtraModels(AlertNotificationDto)
@RequireScope('alerts')
@Controller('api/v1/alerts')
@NoCache()
export class AlertsController {
  constructor(
    private readonly alerts: AlertsService,
    private readonly hub: AlertStreamHub,
  ) {}

  @Post()
  @Idempotent()
  @ApiOperation({
    summary: 'Register a price alert',
    description:
      'Owned by the calling client. Fires once, on the first price update after registration that crosses it, on whichever replica sees it first. ' +
      '`expiresAt` or `ttlSeconds` is required (at most 30 days). An `above`/`below` alert that the current price already satisfies is refused ' +
      '(409 `ALERT_ALREADY_TRIGGERED`, the current price in the message), never stored nor fired. Caps: `ALERTS_MAX_PER_CALLER` active alerts ' +
      'per caller and `ALERTS_MAX_TOTAL` in all (429 `ALERT_LIMIT_REACHED` with Retry-After).',
  })
  @ApiCreatedResponse({ type: AlertDto })
  @ApiErrorResponses(
    { status: 400, message: ['expiresAt or ttlSeconds is required (at most 30 days)'] },
    { status: 409, error: 'ALERT_ALREADY_TRIGGERED', message: 'AAPL is at 189.84, already above 150: the alert would fire at once (currentPrice: 189.84)' },
    { status: 429, error: 'ALERT_LIMIT_REACHED', message: 'This caller already has 500 active alerts (ALERTS_MAX_PER_CALLER); delete one or wait for one to fire or expire' },
    {
      status: 503,
      description:
        '`STORE_UNAVAILABLE`: nothing was stored, retry shortly. `OUTCOME_UNKNOWN` (with Retry-After): Redis did not confirm the write in time and may still ' +
        'apply it; retry with the same Idempotency-Key (with a key, the alert id derives from it, so a retry never makes a second alert).',
      error: 'OUTCOME_UNKNOWN',
      message:
        'The outcome is unknown: the write was sent to Redis, which did not confirm it (Redis did not answer within 1000 ms); it may still be applied. Retry with the same Idempotency-Key, which is safe',
    },
  )
  register(@Body() body: CreateAlertDto, @CurrentCaller() caller: Caller, @Headers(IDEMPOTENCY_HEADER) key: string | undefined): Promise<Alert> {
    // Validated by the interceptor already; a keyed create gets an id derived from caller and key.
    const idempotencyKey = parseIdempotencyKey(key);
    return this.alerts.register(body, caller, idempotencyKey === undefined ? undefined : idempotentId(caller.name, idempotencyKey));
  }

  @Get('stream')
  @ApiOperation({
    summary: 'Fired alerts as Server-Sent Events',
    description:
      "The caller's own alerts (an admin's: every alert), fired on any replica. Events `alert` (data: the notification JSON; id: its entry in the " +
      'bounded event log); a comment heartbeat; a final `shutdown` event when this replica stops. A reconnecting client sends `Last-Event-ID` ' +
      '(or `?lastEventId=`) and first gets what it missed, as far as the log reaches (`ALERTS_EVENTS_MAX` entries). Caps: ' +
      '`ALERTS_SSE_MAX_PER_CALLER` streams per caller and `ALERTS_SSE_MAX_STREAMS` per replica (429 `STREAM_LIMIT_REACHED` with Retry-After); ' +
      'a reader that lets `ALERTS_SSE_MAX_BUFFER_BYTES` pile up unsent is cut. `HEAD` answers the headers and closes.',
  })
  @ApiHeader({ name: 'Last-Event-ID', required: false, description: 'The last event id received: the events after it are replayed first.' })
  @ApiOkResponse({ description: 'An endless `text/event-stream`.', content: { 'text/event-stream': { schema: { $ref: getSchemaPath(AlertNotificationDto) } } } })
  @ApiErrorResponses(400, {
    status: 429,
    error: 'STREAM_LIMIT_REACHED',
    message: 'This caller already has 5 alert streams open on this replica (ALERTS_SSE_MAX_PER_CALLER); close one first',
  })
  stream(
    @Query() query: AlertStreamQueryDto,
    @CurrentCaller() caller: Caller,
    @Headers('last-event-id') lastEventIdHeader: string | undefined,
    @Res() reply: FastifyReply,
  ): void {
    if (reply.request.method === 'HEAD') return this.hub.head(reply);
    // A malformed header is ignored (as if absent); the query parameter is validated.
    const header = lastEventIdHeader !== undefined && EVENT_ID_PATTERN.test(lastEventIdHeader.trim()) ? lastEventIdHeader.trim() : undefined;
    this.hub.open(reply, caller, { symbol: query.symbol, lastEventId: query.lastEventId ?? header });
  }

  @Get(':id')
  @ApiOperation({
    summary: 'An alert and its status',
    description:
      '`active`, or `fired` (with `firedAt` and `firedPrice`), `expired` or `deleted`, kept for ALERTS_HISTORY_RETENTION_HOURS after it ended. Only its owner or an admin reads it.',
  })
  @ApiOkResponse({ type: AlertDto })
  @ApiErrorResponses(
    400,
    { status: 404, description: "Unknown, ended longer ago than the retention, or another caller's.", error: 'NOT_FOUND', message: 'No alert 0b7c1e52-4a55-4e63-9f7e-2f1d1b7f6c11' },
    {
      status: 410,
      description: 'Its stored record could not be read and was set aside (quarantined); it never fires.',
      error: 'ALERT_QUARANTINED',
      message: "Alert 0b7c1e52-4a55-4e63-9f7e-2f1d1b7f6c11's stored record could not be read; it was set aside (quarantined) for an operator and will not fire",
    },
    503,
  )
  get(@Param() params: AlertIdParams, @CurrentCaller() caller: Caller): Promise<Alert> {
    return this.alerts.get(params.id, caller);
  }

  @Delete(':id')
  @Idempotent()
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ summary: 'Delete an active alert', description: 'It will not fire; `GET` shows it `deleted` for the history retention. Only its owner or an admin deletes it.' })
  @ApiNoContentResponse({ description: 'Deleted; it will not fire.' })
  @ApiErrorResponses(
    400,
    { status: 404, error: 'NOT_FOUND', message: 'No alert 0b7c1e52-4a55-4e63-9f7e-2f1d1b7f6c11' },
    { status: 409, error: 'ALERT_NOT_ACTIVE', message: 'Alert 0b7c1e52-4a55-4e63-9f7e-2f1d1b7f6c11 is no longer active: it fired at 2024-05-03T15:02:00.120Z' },
    { status: 410, error: 'ALERT_QUARANTINED', message: "Alert 0b7c1e52-4a55-4e63-9f7e-2f1d1b7f6c11's stored record could not be read; it was set aside (quarantined) for an operator and will not fire" },
    503,
  )
  remove(@Param() params: AlertIdParams, @CurrentCaller() caller: Caller): Promise<void> {
    return this.alerts.remove(params.id, caller);
  }
}

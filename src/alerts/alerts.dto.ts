import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsISO8601, IsNumber, IsOptional, IsPositive, IsString, IsUUID, Matches, Max, MaxLength, Min, ValidateIf } from 'class-validator';
import { SYMBOL_PATTERN } from '../market-data/market-data.dto';
import { IsWebhookUrl } from './webhooks/webhook-url.validator';
import { ALERT_CONDITIONS, ALERT_STATUSES, type Alert, type AlertCondition, type AlertNotification, type AlertStatus } from './alert-rules';

export const MAX_ALERT_TTL_SECONDS = 30 * 24 * 3600;
const SYMBOL_MESSAGE = 'symbol must be 1-15 characters: letters, digits and . - ^ =';
const upper = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim().toUpperCase() : value);

export class CreateAlertDto {
  @ApiProperty({ description: 'Ticker (case-insensitive); must be known to the provider.', example: 'AAPL' })
  @IsString({ message: 'symbol is required: a ticker like AAPL' })
  @Matches(SYMBOL_PATTERN, { message: SYMBOL_MESSAGE })
  @Transform(upper)
  symbol!: string;

  @ApiProperty({ enum: ALERT_CONDITIONS, description: '`above`/`below` `price`, or a `move` of at least `percent` either way from the price at registration.', example: 'above' })
  @IsIn(ALERT_CONDITIONS, { message: `condition is required: one of ${ALERT_CONDITIONS.join(', ')}` })
  condition!: AlertCondition;

  @ApiPropertyOptional({ description: 'Threshold of `above`/`below` (required for them).', exclusiveMinimum: true, minimum: 0, example: 200 })
  @ValidateIf((dto: CreateAlertDto) => dto.condition !== 'move' || dto.price !== undefined)
  @IsNumber({ allowNaN: false, allowInfinity: false }, { message: 'price must be a number (required for above and below)' })
  @IsPositive({ message: 'price must be a positive number' })
  @Max(1e9)
  price?: number;

  @ApiPropertyOptional({ description: 'Threshold of `move`, percent of the price at registration (required for it).', exclusiveMinimum: true, minimum: 0, maximum: 1000, example: 5 })
  @ValidateIf((dto: CreateAlertDto) => dto.condition === 'move' || dto.percent !== undefined)
  @IsNumber({ allowNaN: false, allowInfinity: false }, { message: 'percent must be a number (required for move)' })
  @IsPositive({ message: 'percent must be a positive number' })
  @Max(1000)
  percent?: number;

  @ApiPropertyOptional({
    description: 'ISO time after which the alert no longer fires (status `expired`), at most 30 days ahead. `expiresAt` or `ttlSeconds` is required, not both.',
    example: '2030-01-01T00:00:00Z',
  })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'expiresAt must be an ISO 8601 time' })
  expiresAt?: string;

  @ApiPropertyOptional({
    minimum: 1,
    maximum: MAX_ALERT_TTL_SECONDS,
    description: 'Lifetime in seconds, at most 30 days (2592000). `expiresAt` or `ttlSeconds` is required, not both.',
    example: 3600,
  })
  @IsOptional()
  @IsInt({ message: 'ttlSeconds must be an integer' })
  @Min(1, { message: 'ttlSeconds must be at least 1' })
  @Max(MAX_ALERT_TTL_SECONDS, { message: `ttlSeconds must be at most ${MAX_ALERT_TTL_SECONDS} (30 days)` })
  ttlSeconds?: number;

  @ApiPropertyOptional({ description: 'Also POST the notification here (JSON), with retries.', example: 'https://hooks.example.com/alerts' })
  @IsOptional()
  @MaxLength(2048)
  @IsString({ message: 'webhookUrl must be an http(s) URL' })
  @IsWebhookUrl()
  webhookUrl?: string;
}

export class AlertIdParams {
  @ApiProperty({ format: 'uuid', example: '0b7c1e52-4a55-4e63-9f7e-2f1d1b7f6c11' })
  @IsUUID('4', { message: 'id must be an alert id (a UUID)' })
  id!: string;
}

export const EVENT_ID_MESSAGE = 'lastEventId must be an event id as sent in the stream (<ms>-<seq>, e.g. 1733101200000-0)';

export class AlertStreamQueryDto {
  @ApiPropertyOptional({ description: "Only this symbol's alerts.", example: 'AAPL' })
  @IsOptional()
  @Matches(SYMBOL_PATTERN, { message: SYMBOL_MESSAGE })
  @Transform(upper)
  symbol?: string;

  @ApiPropertyOptional({
    description: 'Replay the events after this one first (as the `Last-Event-ID` header does; for clients that cannot set it). `0-0`: every event still kept.',
    example: '1733101200000-0',
  })
  @IsOptional()
  @Matches(/^\d{1,15}-\d{1,15}$/, { message: EVENT_ID_MESSAGE })
  lastEventId?: string;
}

export class AlertDto implements Alert {
  @ApiProperty({ format: 'uuid', example: '0b7c1e52-4a55-4e63-9f7e-2f1d1b7f6c11' }) id!: string;
  @ApiProperty({ example: 'AAPL' }) symbol!: string;
  @ApiProperty({ enum: ALERT_CONDITIONS, example: 'above' }) condition!: AlertCondition;
  @ApiProperty({ type: Number, nullable: true, example: 200 }) price!: number | null;
  @ApiProperty({ type: Number, nullable: true, example: null }) percent!: number | null;
  @ApiProperty({ description: 'The price when the alert was registered.', example: 189.84 }) referencePrice!: number;
  @ApiProperty({ example: '2024-05-03T14:30:00.000Z' }) createdAt!: string;
  @ApiProperty({ example: '2024-05-04T14:30:00.000Z' }) expiresAt!: string;
  @ApiProperty({ type: String, nullable: true, example: null }) webhookUrl!: string | null;
  @ApiProperty({ description: 'The caller that registered it (only it, or an admin, reads, deletes and streams it).', example: 'pricing-svc' }) owner!: string;
  @ApiProperty({
    enum: ALERT_STATUSES,
    description: '`active` until it fires, expires or is deleted; an ended alert stays readable for ALERTS_HISTORY_RETENTION_HOURS.',
    example: 'active',
  })
  status!: AlertStatus;
  @ApiProperty({ type: String, nullable: true, description: 'When it fired, expired or was deleted.', example: null }) endedAt!: string | null;
  @ApiProperty({ type: String, nullable: true, example: null }) firedAt!: string | null;
  @ApiProperty({ type: Number, nullable: true, description: 'The price that fired it.', example: null }) firedPrice!: number | null;
}

export class AlertNotificationDto implements AlertNotification {
  @ApiProperty({ format: 'uuid' }) alertId!: string;
  @ApiProperty({ example: 'AAPL' }) symbol!: string;
  @ApiProperty({ enum: ALERT_CONDITIONS }) condition!: AlertCondition;
  @ApiProperty({ description: 'The alert price, or its percent for `move`.', example: 200 }) threshold!: number;
  @ApiProperty({ description: 'The price that crossed it.', example: 200.12 }) price!: number;
  @ApiProperty({ example: 189.84 }) referencePrice!: number;
  @ApiProperty({ example: 5.415 }) changePercent!: number;
  @ApiProperty({ example: '2024-05-03T15:02:00.000Z' }) quoteAsOf!: string;
  @ApiProperty({ example: '2024-05-03T15:02:00.120Z' }) firedAt!: string;
  @ApiProperty({ example: 'AAPL at 200.12 is above 200' }) message!: string;
}

import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Post, Query, Res } from '@nestjs/common';
import { ApiCreatedResponse, ApiExtraModels, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags, getSchemaPath } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { RequireScope } from '../auth';
import { NoCache } from '../cache';
import { ApiErrorResponses } from '../openapi/api-responses.decorator';
import type { Alert } from './alert-rules';
import { AlertStreamHub } from './alert-stream.hub';
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
  @ApiOperation({ summary: 'Register a price alert', description: 'Fires once, on the first price update after registration that crosses it, on whichever replica sees it first.' })
  @ApiCreatedResponse({ type: AlertDto })
  @ApiErrorResponses({ status: 400, message: ['price must be a positive number'] }, { status: 503, error: 'STORE_UNAVAILABLE', message: 'Price alerts are stored in Redis, which is not connected; retry shortly' })
  register(@Body() body: CreateAlertDto): Promise<Alert> {
    return this.alerts.register(body);
  }

  @Get('stream')
  @ApiOperation({ summary: 'Fired alerts as Server-Sent Events', description: 'Events `alert` (data: the notification JSON, id: the alert id) from every replica; a comment heartbeat; a final `shutdown` event when this replica stops.' })
  @ApiOkResponse({ description: 'An endless `text/event-stream`.', content: { 'text/event-stream': { schema: { $ref: getSchemaPath(AlertNotificationDto) } } } })
  @ApiErrorResponses(400)
  stream(@Query() query: AlertStreamQueryDto, @Res() reply: FastifyReply): void {
    this.hub.open(reply, query.symbol);
  }

  @Get(':id')
  @ApiOperation({ summary: 'A live alert' })
  @ApiOkResponse({ type: AlertDto })
  @ApiErrorResponses(400, { status: 404, description: 'Fired, expired, deleted or unknown.', error: 'NOT_FOUND', message: 'No alert 0b7c1e52-4a55-4e63-9f7e-2f1d1b7f6c11: it fired, expired or was deleted' }, 503)
  get(@Param() params: AlertIdParams): Promise<Alert> {
    return this.alerts.get(params.id);
  }

  @Delete(':id')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ summary: 'Delete a live alert' })
  @ApiNoContentResponse({ description: 'Deleted; it will not fire.' })
  @ApiErrorResponses(400, { status: 404, error: 'NOT_FOUND', message: 'No alert 0b7c1e52-4a55-4e63-9f7e-2f1d1b7f6c11: it fired, expired or was deleted' }, 503)
  remove(@Param() params: AlertIdParams): Promise<void> {
    return this.alerts.remove(params.id);
  }
}

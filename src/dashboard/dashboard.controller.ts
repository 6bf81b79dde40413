import { Controller, Delete, Get, Header, HttpCode, HttpStatus, Post, Req, Res } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { PublicRoute } from '../auth';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AdminRoute } from '../admin/admin-route.decorator';
import { NoCache } from '../cache';
import { ConfigService } from '@nestjs/config';
import type { AllConfig } from '../config/configuration';
import { DASHBOARD_API_PATH } from './dashboard.constants';
import { DashboardRoute } from './dashboard-route.decorator';
import { issueSession, sessionCookie } from './dashboard-session';
import { DashboardDataDto, DashboardSessionDto } from './dashboard.dto';
import { DashboardService, type DashboardData } from './dashboard.service';

@ApiTags('admin')
@Controller(DASHBOARD_API_PATH)
export class DashboardController {
  constructor(
    private readonly dashboard: DashboardService,
    private readonly config: ConfigService<AllConfig, true>,
  ) {}

  @Get('data')
  @DashboardRoute()
  @Header('cache-control', 'no-store')
  @ApiOperation({ summary: 'What the dashboard shows: counters now, rates per sample interval over the last 15 minutes, warmup, hot keys' })
  @ApiOkResponse({ type: DashboardDataDto })
  data(): DashboardData {
    return this.dashboard.data();
  }

  /** The key comes as a header, checked by `ApiKeyGuard` itself; the cookie holds a MAC of it, never the key. */
  @Post('session')
  @AdminRoute()
  @ApiOperation({ summary: 'Exchange the admin key (header) for a dashboard session cookie (HttpOnly, SameSite=Strict, 12 h)' })
  @ApiOkResponse({ type: DashboardSessionDto, headers: { 'Set-Cookie': { description: 'mc_dashboard=<token>; HttpOnly; SameSite=Strict', schema: { type: 'string' } } } })
  @HttpCode(HttpStatus.OK)
  startSession(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): DashboardSessionDto {
    const key = this.config.get('app', { infer: true }).adminApiKey as string;
    const { token, expiresAt } = issueSession(key, Date.now());
    reply.header('set-cookie', sessionCookie(token, expiresAt - Date.now(), request.protocol === 'https'));
    return { expiresAt: new Date(expiresAt).toISOString() };
  }

  @Delete('session')
  @PublicRoute()
  @NoCache()
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ summary: 'End the dashboard session (clears its cookie)' })
  @ApiNoContentResponse({ description: 'Cookie cleared' })
  endSession(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): void {
    reply.header('set-cookie', sessionCookie('', 0, request.protocol === 'https'));
  }
}

import { Controller, ServiceUnavailableException, Delete, Get, Header, HttpCode, HttpStatus, Post, Req, Res } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { PublicRoute } from '../auth';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AdminRoute } from '../admin/admin-route.decorator';
import { NoCache } from '../cache';
import { ConfigService } from '@nestjs/config';
import type { AllConfig } from '../config/configuration';
import { DASHBOARD_API_PATH } from './dashboard.constants';
import { DashboardRoute } from './dashboard-route.decorator';
import { cookieValue, issueSession, SESSION_COOKIE, sessionCookie, sessionOf } from './dashboard-session';
import { DashboardSessions } from './dashboard-sessions';
import { DashboardDataDto, DashboardSessionDto } from './dashboard.dto';
import { DashboardService, type DashboardData } from './dashboard.service';

@ApiTags('admin')
@Controller(DASHBOARD_API_PATH)
export class DashboardController {
  constructor(
    private readonly dashboard: DashboardService,
    private readonly config: ConfigService<AllConfig, true>,
    private readonly sessions: DashboardSessions,
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
    const key = this.config.get('app', { infer: true }).adminApiKey;
    // An admin client credential opens the admin API, but the cookie is signed with ADMIN_API_KEY.
    if (!key) throw new ServiceUnavailableException('The dashboard session needs ADMIN_API_KEY (its cookie is signed with it); send an admin credential as a header instead');
    const { token, expiresAt } = issueSession(key, Date.now());
    reply.header('set-cookie', sessionCookie(token, expiresAt - Date.now(), request.protocol === 'https'));
    return { expiresAt: new Date(expiresAt).toISOString() };
  }

  @Delete('session')
  @PublicRoute()
  @NoCache()
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ summary: 'End the dashboard session: revoke it on every replica and clear its cookie (same as POST logout)' })
  @ApiNoContentResponse({ description: 'Session revoked (if the cookie held one) and cookie cleared' })
  endSession(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<void> {
    return this.logout(request, reply);
  }

  /**
   * Public, like DELETE: it can only end the session whose cookie it carries (a cookie that is
   * SameSite=Strict, so another site cannot make a browser send it here).
   */
  @Post('logout')
  @PublicRoute()
  @NoCache()
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ summary: 'Log out of the dashboard: the session cookie is revoked on every replica (not only cleared) and cleared' })
  @ApiNoContentResponse({ description: 'Session revoked (if the cookie held one) and cookie cleared' })
  async logout(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<void> {
    const key = this.config.get('app', { infer: true }).adminApiKey;
    const token = cookieValue(request.headers.cookie, SESSION_COOKIE);
    const session = key && token ? sessionOf(key, token, Date.now()) : undefined;
    if (session) await this.sessions.revoke(session);
    reply.header('set-cookie', sessionCookie('', 0, request.protocol === 'https'));
  }
}

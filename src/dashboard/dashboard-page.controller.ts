import { Controller, Get, Header, Param, Res, UseFilters } from '@nestjs/common';
import { ApiExtraModels, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { PublicRoute } from '../auth';
import type { FastifyReply } from 'fastify';
import { NoCache } from '../cache';
import { NotFoundError } from '../common/errors';
import { ApiErrorResponses } from '../openapi/api-responses.decorator';
import { DashboardAssets } from './dashboard-assets';
import { DASHBOARD_PAGE_PATH, DASHBOARD_SECURITY_HEADERS } from './dashboard.constants';
import { DashboardLoginFilter } from './dashboard-login.filter';
import { DashboardRoute } from './dashboard-route.decorator';
import { DashboardDataDto } from './dashboard.dto';

@ApiTags('admin')
@ApiExtraModels(DashboardDataDto)
@Controller(DASHBOARD_PAGE_PATH)
export class DashboardPageController {
  constructor(private readonly assets: DashboardAssets) {}

  @Get()
  @DashboardRoute()
  @UseFilters(DashboardLoginFilter)
  @Header('cache-control', 'no-store')
  @ApiOperation({
    summary: 'The live cache dashboard (HTML)',
    description:
      'For the admin key (header) or a dashboard session cookie; otherwise a form that exchanges the key for an HttpOnly SameSite=Strict session cookie. ' +
      'The page polls `GET /api/v1/admin/dashboard/data`.',
  })
  @ApiProduces('text/html')
  @ApiOkResponse({ description: 'The page', content: { 'text/html': { schema: { type: 'string' } } } })
  page(@Res({ passthrough: true }) reply: FastifyReply): Buffer {
    reply.headers({ ...DASHBOARD_SECURITY_HEADERS, 'content-type': 'text/html; charset=utf-8' });
    return this.assets.page;
  }

  /** Public: code and styles only, no data (the login form needs them before any session exists). */
  @Get('assets/:name')
  @PublicRoute()
  @NoCache()
  @Header('cache-control', 'no-cache')
  @ApiOperation({ summary: 'The dashboard page’s scripts and styles (chart.js bundled, no CDN)' })
  @ApiProduces('text/javascript', 'text/css')
  @ApiOkResponse({ description: 'The file' })
  @ApiErrorResponses({ status: 404, error: 'NOT_FOUND', message: 'No dashboard asset named x.js' })
  asset(@Param('name') name: string, @Res({ passthrough: true }) reply: FastifyReply): Buffer {
    const asset = this.assets.asset(name);
    if (!asset) throw new NotFoundError(`No dashboard asset named ${name}`);
    reply.headers({ ...DASHBOARD_SECURITY_HEADERS, 'content-type': asset.contentType });
    return asset.body;
  }
}

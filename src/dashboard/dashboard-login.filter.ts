import { Catch, ServiceUnavailableException, UnauthorizedException, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { DashboardAssets } from './dashboard-assets';
import { DASHBOARD_SECURITY_HEADERS } from './dashboard.constants';

const DISABLED_PAGE = '<!doctype html><meta charset="utf-8"><title>Dashboard disabled</title><p>The admin dashboard is off: set ADMIN_API_KEY and restart the service.</p>\n';

/**
 * On the page route only: a person without a session gets the key form (401) instead of the
 * JSON error body, and a service without an admin key says so in HTML (503).
 */
@Catch(UnauthorizedException, ServiceUnavailableException)
export class DashboardLoginFilter implements ExceptionFilter {
  constructor(private readonly assets: DashboardAssets) {}

  catch(exception: UnauthorizedException | ServiceUnavailableException, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const unauthorized = exception instanceof UnauthorizedException;
    void reply
      .status(unauthorized ? 401 : 503)
      .headers({ ...DASHBOARD_SECURITY_HEADERS, 'cache-control': 'no-store', 'content-type': 'text/html; charset=utf-8' })
      .send(unauthorized ? this.assets.loginPage : DISABLED_PAGE);
  }
}

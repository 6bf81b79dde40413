import { applyDecorators, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiSecurity } from '@nestjs/swagger';
import { ADMIN_MESSAGES } from '../admin/admin.constants';
import { AdminThrottlerGuard } from '../admin/admin-throttler.guard';
import { NoCache } from '../cache';
import { ApiErrorResponses } from '../openapi/api-responses.decorator';
import { API_KEY_SCHEME, BEARER_SCHEME } from '../openapi/openapi';
import { DashboardAuthGuard } from './dashboard-auth.guard';

/**
 * A dashboard route: never cached, in the admin rate limit (so session guessing is limited too),
 * then the admin key or the dashboard session cookie.
 */
export const DashboardRoute = () =>
  applyDecorators(
    NoCache(),
    UseGuards(AdminThrottlerGuard, DashboardAuthGuard),
    ApiSecurity(API_KEY_SCHEME),
    ApiBearerAuth(BEARER_SCHEME),
    ApiErrorResponses(
      { status: 401, error: 'UNAUTHORIZED', message: ADMIN_MESSAGES.unauthorized },
      { status: 429, description: 'Admin rate limit exceeded (ADMIN_RATE_LIMIT_PER_MINUTE).' },
      { status: 503, description: 'The admin API is disabled: no ADMIN_API_KEY configured.', error: 'SERVICE_UNAVAILABLE', message: ADMIN_MESSAGES.disabled },
    ),
  );

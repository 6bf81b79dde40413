import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { FastifyRequest } from 'fastify';
import { ApiKeyGuard } from '../admin/api-key.guard';
import type { AllConfig } from '../config/configuration';
import { cookieValue, SESSION_COOKIE, sessionOf } from './dashboard-session';
import { DashboardSessions } from './dashboard-sessions';

/**
 * Admits the dashboard's own session cookie (a browser cannot add `x-api-key` to a page
 * navigation) unless it was revoked by a logout, else exactly what `ApiKeyGuard` admits, with its 401/503 answers.
 */
@Injectable()
export class DashboardAuthGuard implements CanActivate {
  private readonly key?: string;

  constructor(
    private readonly apiKey: ApiKeyGuard,
    private readonly sessions: DashboardSessions,
    config: ConfigService<AllConfig, true>,
  ) {
    this.key = config.get('app', { infer: true }).adminApiKey;
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const token = cookieValue(context.switchToHttp().getRequest<FastifyRequest>().headers.cookie, SESSION_COOKIE);
    const session = this.key && token ? sessionOf(this.key, token, Date.now()) : undefined;
    // A session ended by logout (on any replica) is refused like no session: the key is asked again.
    if (session && !(await this.sessions.isRevoked(session))) return true;
    return this.apiKey.canActivate(context);
  }
}

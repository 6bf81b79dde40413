import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { FastifyRequest } from 'fastify';
import { ApiKeyGuard } from '../admin/api-key.guard';
import type { AllConfig } from '../config/configuration';
import { cookieValue, SESSION_COOKIE, verifySession } from './dashboard-session';

/**
 * Admits the dashboard's own session cookie (a browser cannot add `x-api-key` to a page
 * navigation), else exactly what `ApiKeyGuard` admits, with its 401/503 answers.
 */
@Injectable()
export class DashboardAuthGuard implements CanActivate {
  private readonly key?: string;

  constructor(
    private readonly apiKey: ApiKeyGuard,
    config: ConfigService<AllConfig, true>,
  ) {
    this.key = config.get('app', { infer: true }).adminApiKey;
  }

  canActivate(context: ExecutionContext): boolean {
    const token = cookieValue(context.switchToHttp().getRequest<FastifyRequest>().headers.cookie, SESSION_COOKIE);
    if (this.key && token && verifySession(this.key, token, Date.now())) return true;
    return this.apiKey.canActivate(context);
  }
}

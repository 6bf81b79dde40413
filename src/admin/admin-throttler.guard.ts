import { Injectable, UnauthorizedException, type CanActivate, type ExecutionContext, type Type } from '@nestjs/common';
import { ModuleRef, Reflector } from '@nestjs/core';
import {
  InjectThrottlerOptions,
  InjectThrottlerStorage,
  ThrottlerException,
  ThrottlerGuard,
  type ThrottlerLimitDetail,
  type ThrottlerModuleOptions,
  type ThrottlerRequest,
  type ThrottlerStorage,
} from '@nestjs/throttler';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { callerOf } from '../auth';
import { ADMIN_FAILURES_THROTTLER, ADMIN_THROTTLER } from '../auth/auth.constants';
import { ApiKeyGuard } from './api-key.guard';

/** Metadata: the guard that authenticates an admin route (`ApiKeyGuard`, or the dashboard's). */
export const ADMIN_AUTH = 'mc:admin-auth';

/**
 * Authentication and both admin budgets, in that order. The route's auth guard decides first
 * (one SHA-256 and a constant-time compare, already done when the request was identified); then
 * an admitted request spends its caller's budget (`ADMIN_RATE_LIMIT_PER_MINUTE`, keyed by caller
 * name, or by client IP for a dashboard session), and a refused one (401) spends its client IP's
 * failure budget (`ADMIN_FAILED_AUTH_PER_MINUTE`). A flood of wrong keys from behind one proxy
 * therefore never spends the operators' budget: past the failure budget wrong keys get 429, the
 * right key still passes. A 503 (no admin credential configured) spends nothing.
 */
@Injectable()
export class AdminThrottlerGuard extends ThrottlerGuard {
  private readonly auths = new Map<Type<CanActivate>, CanActivate>();
  private readonly outcomes = new WeakMap<object, 'ok' | 'failed'>();

  constructor(
    @InjectThrottlerOptions() options: ThrottlerModuleOptions,
    @InjectThrottlerStorage() storage: ThrottlerStorage,
    reflector: Reflector,
    private readonly moduleRef: ModuleRef,
  ) {
    super(options, storage, reflector);
  }

  override async onModuleInit(): Promise<void> {
    await super.onModuleInit();
    this.throttlers = this.throttlers.filter((t) => t.name === ADMIN_THROTTLER || t.name === ADMIN_FAILURES_THROTTLER);
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    let refusal: unknown;
    try {
      if (!(await (await this.authOf(context)).canActivate(context))) refusal = new UnauthorizedException();
    } catch (error) {
      refusal = error;
    }
    if (refusal !== undefined && !(refusal instanceof UnauthorizedException)) throw refusal;
    this.outcomes.set(request, refusal === undefined ? 'ok' : 'failed');
    await super.canActivate(context);
    if (refusal !== undefined) throw refusal;
    return true;
  }

  protected override async handleRequest(props: ThrottlerRequest): Promise<boolean> {
    const request = props.context.switchToHttp().getRequest<FastifyRequest>();
    const outcome = this.outcomes.get(request);
    const failures = props.throttler.name === ADMIN_FAILURES_THROTTLER;
    if (outcome !== (failures ? 'failed' : 'ok')) return true;
    const caller = callerOf(request);
    const tracker = failures || !caller.scopes.has('admin') ? `ip:${request.ip}` : `caller:${caller.name}`;
    return super.handleRequest({ ...props, getTracker: () => tracker });
  }

  protected override async throwThrottlingException(context: ExecutionContext, detail: ThrottlerLimitDetail): Promise<void> {
    const seconds = Math.max(1, detail.timeToBlockExpire);
    context.switchToHttp().getResponse<FastifyReply>().header('retry-after', String(seconds));
    if (detail.key.startsWith(`${ADMIN_FAILURES_THROTTLER}:`)) {
      throw new ThrottlerException(
        `Too many failed admin authentications from this client: at most ${detail.limit} per minute per client IP (ADMIN_FAILED_AUTH_PER_MINUTE); retry after ${seconds} s`,
      );
    }
    throw new ThrottlerException(
      `Too many admin requests: at most ${detail.limit} per minute per caller (ADMIN_RATE_LIMIT_PER_MINUTE); retry after ${seconds} s`,
    );
  }

  private async authOf(context: ExecutionContext): Promise<CanActivate> {
    const type = this.reflector.getAllAndOverride<Type<CanActivate> | undefined>(ADMIN_AUTH, [context.getHandler(), context.getClass()]) ?? ApiKeyGuard;
    const known = this.auths.get(type);
    if (known) return known;
    let auth: CanActivate;
    try {
      auth = this.moduleRef.get(type, { strict: false });
    } catch {
      auth = await this.moduleRef.create(type);
    }
    this.auths.set(type, auth);
    return auth;
  }
}

import type { FastifyRequest } from 'fastify';
import type { IncomingMessage } from 'node:http';
import type { Scope } from './scopes';

/** The name of every caller that presented no credential (or one that matched none). */
export const ANONYMOUS = 'anonymous';

/**
 * Who is calling: a configured client credential's name (`admin` for `ADMIN_API_KEY`), else
 * `anonymous`. Names are bounded (configured names plus `anonymous`), so they may label metrics.
 */
export interface Caller {
  readonly name: string;
  readonly scopes: ReadonlySet<Scope>;
  /** True when a credential was presented and matched a configured one. */
  readonly authenticated: boolean;
  /** True when a credential was presented and matched none (the caller is then anonymous without scopes). */
  readonly rejected: boolean;
  /** First 8 hex chars of the SHA-256 of the presented secret (audit lines), never the secret. */
  readonly fingerprint?: string;
}

const CALLER = Symbol.for('mc:caller');
type WithCaller = { [CALLER]?: Caller };

/** Set once per request by the identification hook (on the Fastify request and its raw message). */
export function setCaller(request: FastifyRequest, caller: Caller): void {
  (request as unknown as WithCaller)[CALLER] = caller;
  (request.raw as unknown as WithCaller)[CALLER] = caller;
}

const NOBODY: Caller = { name: ANONYMOUS, scopes: new Set(), authenticated: false, rejected: false };

/** The request's caller; anonymous without scopes when the identification hook did not run. */
export function callerOf(request: FastifyRequest | IncomingMessage): Caller {
  return (request as unknown as WithCaller)[CALLER] ?? ((request as FastifyRequest).raw as unknown as WithCaller | undefined)?.[CALLER] ?? NOBODY;
}

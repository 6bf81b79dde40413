import type { ExecutionContext } from '@nestjs/common';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import { plainToInstance } from 'class-transformer';
import { getMetadataStorage } from 'class-validator';
import type { FastifyRequest } from 'fastify';
import { InvalidArgumentError } from '../common/errors';
import { normalizeSymbol } from './dependency-tags';

type Dto = new () => object;

/** What a handler reads from the URL: the DTO (or names) of its path and query parameters. */
interface HandlerInputs {
  params?: Dto;
  query?: Dto;
  /** Query names the handler accepts; none declared means none accepted. */
  queryNames: ReadonlySet<string>;
}

/** The canonical form of a GET request: the route with its parameters filled in, and the query. */
export interface CanonicalRequest {
  /** `/market/history/AAPL` (the route pattern with normalized parameters, `/api/v1` dropped). */
  path: string;
  /** `interval=1d&period=1y`: every query field after defaults, sorted by name; '' when none. */
  query: string;
}

// Names that address an object's prototype: class-transformer drops them silently, so they slip
// past `forbidNonWhitelisted` and would reach a cache key.
const PROTOTYPE_NAMES = new Set(['__proto__', 'constructor', 'prototype']);
// Parameters holding tickers are case-insensitive: one entry for `aapl` and `AAPL`.
const SYMBOL_FIELDS = new Set(['symbol', 'symbols']);

/**
 * A request's identity for the HTTP cache, from what the handler validates rather than from the
 * raw URL: path parameters normalized (tickers upper-cased), query fields taken from the handler's
 * DTO with its defaults applied, every other name refused. So every spelling of one request shares
 * one entry, and no parameter the route ignores can mint a new one.
 */
export class HttpRequestIdentity {
  private readonly handlers = new WeakMap<object, HandlerInputs>();

  /**
   * @throws InvalidArgumentError naming the query parameters the handler does not declare, or that
   * address a prototype (`__proto__`, `constructor`, `prototype`). Any route, cached or not.
   */
  refuseUnknownQuery(context: ExecutionContext): void {
    const query = context.switchToHttp().getRequest<FastifyRequest>().query as Record<string, unknown> | undefined;
    if (!query) return;
    const names = Object.keys(query);
    if (names.length === 0) return;
    const allowed = this.inputsOf(context).queryNames;
    const refused = names.filter((name) => PROTOTYPE_NAMES.has(name) || !allowed.has(name));
    if (refused.length === 0) return;
    const list = refused.map((name) => JSON.stringify(name.slice(0, 40))).join(', ');
    const accepted = allowed.size === 0 ? 'this route takes no query parameters' : `accepted: ${[...allowed].sort().join(', ')}`;
    throw new InvalidArgumentError(`unknown query parameter${refused.length > 1 ? 's' : ''} ${list} (${accepted})`);
  }

  /** The canonical request, or undefined when its parameters cannot be read (the pipes then answer 400). */
  canonical(context: ExecutionContext): CanonicalRequest | undefined {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const inputs = this.inputsOf(context);
    const route = request.routeOptions.url;
    if (!route) return undefined;
    const params = fieldsOf(inputs.params, request.params);
    const query = fieldsOf(inputs.query, request.query);
    if (!params || !query) return undefined;
    const path = route
      .replace(/^\/api\/v\d+/, '')
      .replace(/:([A-Za-z0-9_]+)/g, (_, name: string) => encodeURIComponent(params[name] ?? ''));
    const queryText = Object.keys(query)
      .sort()
      .map((name) => `${name}=${encodeURIComponent(query[name])}`)
      .join('&');
    return { path, query: queryText };
  }

  private inputsOf(context: ExecutionContext): HandlerInputs {
    const handler = context.getHandler();
    let inputs = this.handlers.get(handler);
    if (!inputs) {
      inputs = readHandlerInputs(context.getClass(), handler);
      this.handlers.set(handler, inputs);
    }
    return inputs;
  }
}

function readHandlerInputs(controller: Dto, handler: { name: string }): HandlerInputs {
  const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, controller, handler.name) ?? {}) as Record<string, { index: number; data?: unknown }>;
  const types = (Reflect.getMetadata('design:paramtypes', controller.prototype, handler.name) ?? []) as Dto[];
  const inputs: { params?: Dto; query?: Dto; queryNames: Set<string> } = { queryNames: new Set() };
  for (const [slot, arg] of Object.entries(args)) {
    const kind = Number(slot.split(':')[0]);
    const type = types[arg.index];
    const isDto = typeof type === 'function' && type !== String && type !== Object && type !== Number;
    if (kind === RouteParamtypes.QUERY) {
      if (typeof arg.data === 'string') inputs.queryNames.add(arg.data);
      else if (isDto) {
        inputs.query = type;
        for (const name of declaredFields(type)) inputs.queryNames.add(name);
      }
    } else if (kind === RouteParamtypes.PARAM && arg.data === undefined && isDto) inputs.params = type;
  }
  return inputs;
}

/** The fields class-validator knows for a DTO (what `whitelist` keeps). */
function declaredFields(type: Dto): string[] {
  const metadata = getMetadataStorage().getTargetValidationMetadatas(type, '', true, false);
  return [...new Set(metadata.map((m) => m.propertyName))];
}

/**
 * A DTO's fields as the handler will see them (class-transformer, as the ValidationPipe runs it,
 * so defaults and `@Transform`s apply), as text; without a DTO, the raw values. Undefined when a
 * value is not a scalar or a list of scalars (a malformed request: the pipe will refuse it).
 */
function fieldsOf(type: Dto | undefined, raw: unknown): Record<string, string> | undefined {
  const source = (raw ?? {}) as Record<string, unknown>;
  const values: Record<string, unknown> = type ? { ...plainToInstance(type, { ...source }) } : { ...source };
  const fields: Record<string, string> = {};
  for (const [name, value] of Object.entries(values)) {
    if (value === undefined || PROTOTYPE_NAMES.has(name)) continue;
    const text = textOf(value);
    if (text === undefined) return undefined;
    fields[name] = SYMBOL_FIELDS.has(name) ? text.split(',').map(normalizeSymbol).join(',') : text;
  }
  return fields;
}

function textOf(value: unknown): string | undefined {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value) && value.every((v) => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean')) return value.join(',');
  return undefined;
}

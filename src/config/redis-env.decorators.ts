import { applyDecorators } from '@nestjs/common';
import { ValidateBy } from 'class-validator';
import { ListVar } from './list-env.decorators';

/** A Redis node as the topology settings name it. */
export interface RedisNodeAddress {
  host: string;
  port: number;
}

// `host:port`, or `[v6-literal]:port` (a bare IPv6 literal would be ambiguous).
const HOST_PORT = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9_.-]+)):(\d{1,5})$/;

/** Parses `host:port` / `[::1]:port`; undefined when malformed or the port is out of range. */
export function parseHostPort(value: string): RedisNodeAddress | undefined {
  const match = HOST_PORT.exec(value.trim());
  if (!match) return undefined;
  const port = Number(match[3]);
  return port >= 1 && port <= 65535 ? { host: match[1] ?? match[2], port } : undefined;
}

/**
 * An optional comma-separated list of `host:port` (Cluster seed nodes, Sentinels). `exclusiveWith`
 * names another variable that must not be set at the same time: one topology per deployment.
 */
export function HostPortListVar(exclusiveWith?: string): PropertyDecorator {
  const list = ListVar((s) => parseHostPort(s) !== undefined, 'host:port items like 10.0.0.5:6379 or [::1]:26379', 1000);
  if (!exclusiveWith) return list;
  return applyDecorators(
    list,
    ValidateBy({
      name: 'exclusiveTopology',
      validator: {
        validate: (_value: unknown, args) => (args?.object as Record<string, unknown>)[exclusiveWith] === undefined,
        defaultMessage: (args) => `${args?.property} and ${exclusiveWith} are exclusive: set one Redis topology`,
      },
    }),
  );
}

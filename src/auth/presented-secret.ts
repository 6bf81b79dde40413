import type { IncomingHttpHeaders } from 'node:http';

const BEARER = /^Bearer[ ]+(\S+)\s*$/i;

/**
 * The secret a request presents: `x-api-key`, else `Authorization: Bearer <secret>`. A repeated
 * or empty header, another scheme (`Basic`) or a Bearer with two tokens count as none.
 */
export function presentedSecret(headers: IncomingHttpHeaders): string | undefined {
  const header = headers['x-api-key'];
  if (typeof header === 'string' && header !== '') return header;
  const bearer = typeof headers.authorization === 'string' ? BEARER.exec(headers.authorization) : null;
  return bearer?.[1];
}

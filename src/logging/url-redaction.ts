/**
 * Secrets sent in a query string (`?api_key=…`, or any parameter whose value is a configured
 * credential) are replaced in logged URLs. The service never reads credentials from a query
 * string, but clients and proxies send them there by mistake, and an access log is read by more
 * people than the Secret it came from.
 */

export const REDACTED = '[redacted]';

/** Parameter names whose values are never logged (compared lowercased, `-` and `_` alike). */
export const SECRET_QUERY_PARAMS: ReadonlySet<string> = new Set([
  'api_key', 'apikey', 'key', 'x_api_key', 'token', 'access_token', 'refresh_token', 'id_token', 'auth', 'authorization',
  'password', 'passwd', 'pass', 'secret', 'client_secret', 'session', 'signature', 'sig', 'code',
]);

// A value shaped like a credential (16-256 chars, no spaces or commas): only those are checked.
const SECRET_SHAPE = /^[^\s,]{16,256}$/;

let configuredSecret: ((value: string) => boolean) | undefined;

/**
 * Tells the redaction how to recognise a configured secret (the caller registry: ADMIN_API_KEY,
 * CLIENT_CREDENTIALS and the credentials file as reloaded). One per process: the app's bootstrap
 * sets it (a second app in the same process, as in tests, replaces it).
 */
export function recogniseSecretsWith(isSecret: ((value: string) => boolean) | undefined): void {
  configuredSecret = isSecret;
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

function secretParam(name: string, value: string): boolean {
  if (SECRET_QUERY_PARAMS.has(decode(name).toLowerCase().replace(/-/g, '_'))) return true;
  const plain = decode(value);
  return SECRET_SHAPE.test(plain) && configuredSecret !== undefined && configuredSecret(plain);
}

/** The URL with every secret query value replaced by `[redacted]` (the same string when there is none). */
export function redactUrl(url: string | undefined): string | undefined {
  if (url === undefined) return url;
  const mark = url.indexOf('?');
  if (mark < 0) return url;
  const hash = url.indexOf('#', mark);
  const query = url.slice(mark + 1, hash < 0 ? undefined : hash);
  let changed = false;
  const parts = query.split('&').map((part) => {
    const eq = part.indexOf('=');
    const name = eq < 0 ? part : part.slice(0, eq);
    const value = eq < 0 ? '' : part.slice(eq + 1);
    if (value === '' || !secretParam(name, value)) return part;
    changed = true;
    return `${name}=${REDACTED}`;
  });
  return changed ? `${url.slice(0, mark)}?${parts.join('&')}` : url;
}

/** A parsed query object with the same values redacted (a copy; the same object when there is none). */
export function redactQuery<T>(query: T): T {
  if (query === null || typeof query !== 'object') return query;
  let copy: Record<string, unknown> | undefined;
  for (const [name, value] of Object.entries(query as Record<string, unknown>)) {
    const values = Array.isArray(value) ? value : [value];
    if (values.some((v) => typeof v === 'string' && v !== '' && secretParam(name, encodeURIComponent(v)))) {
      copy ??= { ...(query as Record<string, unknown>) };
      copy[name] = REDACTED;
    }
  }
  return (copy as T) ?? query;
}

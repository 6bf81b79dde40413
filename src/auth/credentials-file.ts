import { readFileSync } from 'node:fs';
import { credentialProblem, type ClientCredential } from '../config/auth.config';
import type { Scope } from './scopes';

/**
 * Reads a credentials file (a mounted Secret):
 *
 * ```json
 * { "clients": [ { "name": "pricing-api", "scopes": ["read", "compute"], "secrets": ["<old>", "<new>"] } ] }
 * ```
 *
 * `secret` (one) or `secrets` (several: both work during a rotation). A top-level array of the
 * same objects is accepted too. Throws an Error naming the bad entry, never a secret.
 */
export function readCredentialsFile(path: string): ClientCredential[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? 'not JSON'}`);
  }
  const clients = Array.isArray(parsed) ? parsed : (parsed as { clients?: unknown } | null)?.clients;
  if (!Array.isArray(clients)) throw new Error(`${path}: expected { "clients": [...] } or an array`);
  return clients.flatMap((client: unknown, index): ClientCredential[] => {
    const { name, scopes, secret, secrets } = (client ?? {}) as Record<string, unknown>;
    const all = secrets === undefined ? [secret] : Array.isArray(secrets) && secrets.length > 0 ? secrets : [undefined];
    return all.map((one: unknown) => {
      const problem = credentialProblem(name, scopes, one);
      if (problem) throw new Error(`${path}: client ${index + 1}: ${problem}`);
      return { name: name as string, scopes: scopes as Scope[], secret: one as string };
    });
  });
}

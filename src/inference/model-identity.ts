import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

/**
 * A fingerprint of the model artifact's bytes, for the cache keys of everything that embeds a
 * prediction (predictions, their HTTP responses, portfolio answers): a rolling deploy of another
 * model never serves the old model's cached answers. An unreadable file gets a marker instead:
 * the model loader stops the boot with the real reason.
 */
export function modelIdentityOf(modelPath: string): string {
  try {
    return `model;${createHash('sha256').update(readFileSync(modelPath)).digest('hex').slice(0, 16)}`;
  } catch {
    return `model;unreadable:${modelPath}`;
  }
}

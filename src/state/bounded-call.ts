import { ClientClosedError, ClientOfflineError, ErrorReply } from '@redis/client';
import { StoreTimeoutError, StoreUnavailableError } from '../common/errors';

export interface StateCallOptions {
  /** What is stored, for the 503's message, e.g. `Price alerts`. */
  what: string;
  timeoutMs: number;
}

/**
 * One call to the state's Redis, bounded: not connected or no answer within `timeoutMs` is a
 * `StoreUnavailableError` (503) at once; a deadline passed or a connection lost after the command
 * was sent is its subclass `StoreTimeoutError` (the command may still run: a write's outcome is
 * unknown). State has no fallback (a second copy in memory would disagree with the other replicas), so the caller must hear about it rather than hang.
 */
export async function boundedStateCall<C extends { readonly isReady: boolean }, T>(client: C | undefined, op: (client: C) => Promise<T>, options: StateCallOptions): Promise<T> {
  if (!client?.isReady) throw new StoreUnavailableError(`${options.what} are stored in Redis, which is not connected; retry shortly`);
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StoreTimeoutError(`Redis did not answer within ${options.timeoutMs} ms; retry shortly`)), options.timeoutMs);
    timer.unref();
  });
  try {
    return await Promise.race([op(client), deadline]);
  } catch (error) {
    if (error instanceof StoreUnavailableError) throw error;
    // A Redis error reply, or a client that refused to send, is a definite answer; anything else (a dropped connection) may have run.
    const definite = error instanceof ErrorReply || error instanceof ClientClosedError || error instanceof ClientOfflineError;
    const Failure = definite ? StoreUnavailableError : StoreTimeoutError;
    throw new Failure(`${options.what}: the state store failed: ${(error as Error).message}`, { cause: error });
  } finally {
    clearTimeout(timer);
  }
}

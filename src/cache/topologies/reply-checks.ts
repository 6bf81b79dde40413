/**
 * Telling a desynchronised connection from a failing one. node-redis matches replies to commands
 * by order alone: one duplicated, lost or misframed reply and every later command on that socket
 * gets another command's answer. These checks catch the answers that cannot be right, so the
 * topology can replace the client before a wrong one is served.
 */

/** A reply of a shape the command can never answer (a Buffer for SET, text for UNLINK): the connection is out of step. */
export class ReplyMismatchError extends Error {
  constructor(command: string, reply: unknown) {
    super(`Redis ${command} got a reply of the wrong shape (${describe(reply)}): connection out of step, client replaced`);
    this.name = ReplyMismatchError.name;
  }
}

/**
 * A command in flight on a client the topology replaced (`RedisTopology.reset`): our own doing,
 * not a sign of Redis' health, so the breaker does not count it.
 */
export class ClientResetError extends Error {
  constructor(command: string, options?: { cause?: unknown }) {
    super(`Redis ${command} dropped: its connection was replaced`, options);
    this.name = ClientResetError.name;
  }
}

/**
 * An error node-redis' RESP decoder threw while reading a reply (it resets its parser, emits the
 * error on the client and keeps the socket and its queue of commands, now out of step): bytes
 * that are not RESP ("Unknown RESP type"), or a reply with no command waiting for it (a TypeError
 * inside the decoder). Socket failures are system errors with a `code` or node-redis' own classes.
 */
export function isParserError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const cause = (error as { cause?: unknown }).cause;
  // The Sentinel client wraps its master client's errors: `Master Client (host:port): …`, cause = the original.
  if (cause instanceof Error && cause !== error && isParserError(cause)) return true;
  return /Unknown RESP type/.test(error.message) || error.name === 'TypeError' || error.name === 'RangeError';
}

export const isBulkOrNull = (reply: unknown): boolean => reply === null || Buffer.isBuffer(reply);
export const isInteger = (reply: unknown): boolean => typeof reply === 'number' && Number.isInteger(reply);
/** SET answers the status 'OK', or null when NX found the key; never bulk bytes. */
export const isSetReply = (reply: unknown): boolean => reply === null || reply === 'OK';
export const isPong = (reply: unknown): boolean => reply === 'PONG';
export const isBulkArray = (length: number) => (reply: unknown) => Array.isArray(reply) && reply.length === length && reply.every(isBulkOrNull);
export const isArray = (reply: unknown): boolean => Array.isArray(reply);
export const isText = (reply: unknown): boolean => typeof reply === 'string' || Buffer.isBuffer(reply);
export const isScanPage = (page: unknown): boolean => {
  const { cursor, keys } = (page ?? {}) as { cursor?: unknown; keys?: unknown };
  return isText(cursor) && /^\d+$/.test(String(cursor)) && Array.isArray(keys) && keys.every(isText);
};

function describe(reply: unknown): string {
  if (Buffer.isBuffer(reply)) return `${reply.length} bytes`;
  if (Array.isArray(reply)) return `array of ${reply.length}`;
  return reply === null ? 'null' : typeof reply;
}

/**
 * Sends one command and checks its reply: a reply to a client replaced meanwhile is a
 * `ClientResetError` (it may belong to another command); a reply of an impossible shape replaces
 * the client (`onMismatch`) and is a `ReplyMismatchError`.
 */
export async function sendChecked<R>(
  name: string,
  generation: () => number,
  onMismatch: () => void,
  send: () => Promise<R>,
  valid: (reply: unknown) => boolean,
): Promise<R> {
  const sentOn = generation();
  let reply: R;
  try {
    reply = await send();
  } catch (error) {
    if (sentOn !== generation()) throw new ClientResetError(name, { cause: error });
    throw error;
  }
  if (sentOn !== generation()) throw new ClientResetError(name);
  if (!valid(reply)) {
    onMismatch();
    throw new ReplyMismatchError(name, reply);
  }
  return reply;
}

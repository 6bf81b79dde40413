/** The operator CLI's exit codes: part of its contract with scripts. */
export const EXIT = {
  /** The work was done. */
  ok: 0,
  /** The service answered, but the work failed or partly failed (warmup or scan failures, an error answer). */
  failed: 1,
  /** Bad command line, or the service rejected the request as invalid (400). */
  usage: 2,
  /** No answer: connection refused, DNS, timeout, a gateway error. */
  unreachable: 3,
  /** The service refused the key (401/403), or its admin API is off (no ADMIN_API_KEY there: 503). */
  auth: 4,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** Ends the command with this exit code and message (on stderr, or stdout for exit 0). */
export class CliError extends Error {
  constructor(
    readonly exitCode: ExitCode,
    message: string,
  ) {
    super(message);
  }
}

import { execFile } from 'node:child_process';

/** Runs `redis-cli -h 127.0.0.1 -p <port> <args>` and resolves its stdout (rejects on failure or after `timeoutMs`). */
export function redisCli(port: number, args: readonly string[], timeoutMs = 10_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { timeout: timeoutMs }, (error, stdout, stderr) =>
      error ? reject(new Error(`redis-cli ${args.join(' ')} on ${port}: ${stderr || error.message}`)) : resolve(stdout),
    );
  });
}

/** One `field:value` of an INFO-style reply (`cluster info`, `info replication`). */
export function infoField(text: string, field: string): string | undefined {
  return new RegExp(`^${field}:(.*)$`, 'm').exec(text)?.[1]?.trim();
}

/** Polls `check` every `intervalMs` until it holds; rejects naming `what` after `timeoutMs`. */
export async function pollUntil(what: string, check: () => Promise<boolean>, timeoutMs: number, intervalMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    // A probe that throws (process not up yet) counts as "not yet".
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`${what}: not reached within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

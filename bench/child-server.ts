import type { ChildProcess } from 'node:child_process';
import { startChildServer } from './load-harness';

/** A server child process, as the stampede bench and the peers use it. */
export interface ChildServer {
  url: string;
  pid: number;
  child: ChildProcess;
  /** SIGTERM, resolved once the process has exited. */
  close(): Promise<void>;
}

/** `script` (TypeScript) as a child on the servers' CPU, ready once `readyPath` answers 200. */
export async function spawnServer(script: string, env: Record<string, string>, readyPath: string): Promise<ChildServer> {
  const server = await startChildServer(script, script, env, readyPath);
  const close = () =>
    new Promise<void>((resolve) => {
      if (server.child.exitCode !== null) return resolve();
      server.child.once('exit', () => resolve());
      server.child.kill('SIGTERM');
    });
  return { url: server.url, pid: server.pid, child: server.child, close };
}

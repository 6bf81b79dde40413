import { get, type ClientRequest, type IncomingMessage } from 'node:http';

export interface SseEvent {
  event: string;
  id?: string;
  data: string;
}

/**
 * A real streaming SSE client over `http.get` (not `inject`): parses `event`/`id`/`data` frames
 * and comment lines as they arrive, and records how the stream ended.
 */
export class SseClient {
  readonly events: SseEvent[] = [];
  readonly comments: string[] = [];
  status?: number;
  headers?: IncomingMessage['headers'];
  /** Resolves when the server ends the stream (or the connection drops). */
  readonly ended: Promise<'end' | 'error'>;
  private request!: ClientRequest;
  private buffer = '';

  private constructor(url: string, opened: (client: SseClient) => void, failed: (error: Error) => void, headers: Record<string, string> = {}) {
    this.ended = new Promise((resolve) => {
      this.request = get(url, { agent: false, headers: { accept: 'text/event-stream', ...headers } }, (res) => {
        this.status = res.statusCode;
        this.headers = res.headers;
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => this.receive(chunk));
        res.on('end', () => resolve('end'));
        res.on('error', () => resolve('error'));
        opened(this);
      });
      this.request.on('error', (error) => {
        failed(error);
        resolve('error');
      });
    });
  }

  /** Resolves once the response headers arrived. `headers`: e.g. a credential, `Last-Event-ID`. */
  static connect(url: string, headers?: Record<string, string>): Promise<SseClient> {
    return new Promise((resolve, reject) => new SseClient(url, resolve, reject, headers));
  }

  /** Events of one type, their data parsed as JSON. */
  dataOf<T>(event: string): T[] {
    return this.events.filter((e) => e.event === event).map((e) => JSON.parse(e.data) as T);
  }

  async waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      if (Date.now() > deadline) throw new Error(`SSE: ${what} not seen within ${timeoutMs} ms; events ${JSON.stringify(this.events)}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  close(): void {
    this.request.destroy();
  }

  private receive(chunk: string): void {
    this.buffer += chunk;
    let end: number;
    while ((end = this.buffer.indexOf('\n\n')) >= 0) {
      const frame = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      const fields: Record<string, string> = {};
      for (const line of frame.split('\n')) {
        if (line.startsWith(':')) this.comments.push(line.slice(1).trim());
        const match = /^(event|id|data): ?(.*)$/.exec(line);
        if (match) fields[match[1]] = match[1] === 'data' && fields.data !== undefined ? `${fields.data}\n${match[2]}` : match[2];
      }
      if (fields.data !== undefined) this.events.push({ event: fields.event ?? 'message', id: fields.id, data: fields.data });
    }
  }
}

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedHook {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  at: number;
}

/** A local webhook endpoint that answers the statuses it is given in turn (then 200) and records every request. */
export class WebhookReceiver {
  readonly received: ReceivedHook[] = [];

  private constructor(
    private readonly server: Server,
    private readonly statuses: number[],
  ) {}

  static async start(statuses: number[] = []): Promise<WebhookReceiver> {
    const server = createServer();
    const receiver = new WebhookReceiver(server, [...statuses]);
    server.on('request', (req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (body += chunk));
      req.on('end', () => {
        const status = receiver.statuses.shift() ?? 200;
        receiver.received.push({ status, headers: req.headers, body, at: performance.now() });
        res.writeHead(status, { 'content-type': 'text/plain' }).end(status < 300 ? 'ok' : 'fail');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return receiver;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

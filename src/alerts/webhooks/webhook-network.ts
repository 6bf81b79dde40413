import { Injectable } from '@nestjs/common';
import { lookup as dnsLookup } from 'node:dns/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import type { CheckedTarget, ResolvedAddress } from './webhook-target';

export interface OutgoingHook {
  body: string;
  headers: Record<string, string>;
  signal: AbortSignal;
}

/**
 * The only two network steps of a webhook, apart so tests replace them (`jest.spyOn` on the
 * app's instance): resolving a host, and POSTing to an address that was already checked. Nothing
 * else in the service opens a connection for a webhook.
 */
@Injectable()
export class WebhookNetwork {
  /** Every address of `host` (`dns.promises.lookup`, `all: true`). */
  lookup(host: string): Promise<ResolvedAddress[]> {
    return dnsLookup(host, { all: true, verbatim: true });
  }

  /**
   * One POST to `target.address` (never a fresh resolution of the host name: the socket is opened
   * to the checked address, and any lookup Node would make is answered with it). The Host header
   * and the TLS server name (SNI, certificate check) are the URL's host. Redirects are not
   * followed (a 3xx is answered as is). @returns the response status
   */
  send(target: CheckedTarget, hook: OutgoingHook): Promise<number> {
    const { url, address, family, hostname } = target;
    const pinned: LookupFunction = (_host, options, callback) => {
      if ((options as { all?: boolean }).all) (callback as (e: null, a: ResolvedAddress[]) => void)(null, [{ address, family }]);
      else callback(null, address, family);
    };
    const tls = url.protocol === 'https:';
    const request = (tls ? httpsRequest : httpRequest)({
      method: 'POST',
      host: address,
      family,
      port: url.port === '' ? (tls ? 443 : 80) : Number(url.port),
      path: `${url.pathname}${url.search}`,
      headers: { ...hook.headers, host: url.host, 'content-length': String(Buffer.byteLength(hook.body)) },
      lookup: pinned,
      // SNI takes names only; for an IP literal the certificate is checked against the address.
      ...(tls && isIP(hostname) === 0 ? { servername: hostname } : {}),
      agent: false,
      signal: hook.signal,
    });
    return new Promise<number>((resolve, reject) => {
      request.once('error', reject);
      request.once('response', (response: IncomingMessage) => {
        const status = response.statusCode ?? 0;
        // The body is not read: the status is the answer. `agent: false`, so the socket goes with it.
        response.destroy();
        resolve(status);
      });
      request.end(hook.body);
    });
  }
}

import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

/** One address of a host, as `dns.promises.lookup(host, { all: true })` answers. */
export interface ResolvedAddress {
  address: string;
  family: number;
}

/** Every address of a host name (never called for IP literals). */
export type WebhookResolver = (host: string) => Promise<ResolvedAddress[]>;

/** A webhook target that passed every check: deliveries connect to `address`, never to a re-resolved name. */
export interface CheckedTarget {
  url: URL;
  /** The URL's host name as the WHATWG parser canonicalised it (IPv6 without brackets, IPv4 dotted). */
  hostname: string;
  /** The checked address to connect to. */
  address: string;
  family: 4 | 6;
  /** Named in ALERTS_WEBHOOK_ALLOWED_HOSTS: the private-address refusal was skipped. */
  allowed: boolean;
}

/** The target is refused: `reason` is the 400's message (it names the problem, never a resolved address). */
export class WebhookTargetRefused extends Error {
  override readonly name = 'WebhookTargetRefused';
}

/** The host could not be resolved (no such name, DNS failure or timeout): a retryable failure at delivery. */
export class WebhookTargetUnresolved extends Error {
  override readonly name = 'WebhookTargetUnresolved';
}

export interface WebhookTargetRules {
  /** Plain `http` refused (NODE_ENV=production) unless the host is allowed. */
  httpsOnly: boolean;
  /** Host names or IP literals that skip the private-address refusal (internal receivers, tests on loopback). */
  allowedHosts: readonly string[];
}

/** Host names of cloud metadata services, refused by name whatever they resolve to. */
const METADATA_HOSTS = new Set(['metadata.google.internal', 'metadata.goog', 'metadata', 'instance-data', 'instance-data.ec2.internal']);
/** Cloud metadata addresses (AWS/GCP/Azure/OpenStack, AWS IPv6, Alibaba, Oracle), refused even for an allowed host. */
const METADATA_ADDRESSES = new Set(['169.254.169.254', 'fd00:ec2::254', '100.100.100.200', '192.0.0.192']);

const RANGE_REASONS: Record<string, string> = {
  loopback: 'a loopback address',
  private: 'a private address',
  carrierGradeNat: 'a carrier-grade NAT address (100.64.0.0/10)',
  linkLocal: 'a link-local address',
  uniqueLocal: 'a unique-local address',
  unspecified: 'an unspecified address',
  multicast: 'a multicast address',
  broadcast: 'a broadcast address',
  '6to4': 'a 6to4 tunnel address',
  teredo: 'a Teredo tunnel address',
};

/**
 * Why an address must not be a webhook target, or undefined for a public unicast address. IPv4
 * in IPv6 (mapped `::ffff:a.b.c.d`, compatible `::a.b.c.d`, SIIT `::ffff:0:a.b.c.d`, NAT64
 * `64:ff9b::/96`) is judged by the IPv4 address it embeds. Only global unicast passes: every other
 * range ipaddr.js knows (reserved, documentation, benchmarking, …) is refused.
 */
export function addressProblem(address: string): string | undefined {
  if (!ipaddr.isValid(address)) return 'not an IP address';
  const parsed = ipaddr.parse(address);
  const canonical = parsed.toString();
  if (METADATA_ADDRESSES.has(canonical)) return 'a cloud metadata address';
  if (parsed.kind() === 'ipv4') return ipv4Problem(parsed as ipaddr.IPv4);
  const v6 = parsed as ipaddr.IPv6;
  const embedded = embeddedIpv4(v6);
  if (embedded) {
    const problem = METADATA_ADDRESSES.has(embedded.toString()) ? 'a cloud metadata address' : ipv4Problem(embedded);
    return problem && `${problem} (embedded in IPv6 as ${embedded.toString()})`;
  }
  const range = v6.range();
  if (range === 'unicast') return undefined;
  return RANGE_REASONS[range] ?? `a reserved address (${range})`;
}

function ipv4Problem(v4: ipaddr.IPv4): string | undefined {
  const range = v4.range();
  if (range === 'unicast') return undefined;
  return RANGE_REASONS[range] ?? `a reserved address (${range})`;
}

/** The IPv4 address inside an IPv4-mapped/compatible, SIIT or NAT64 (64:ff9b::/96, 64:ff9b:1::/48) IPv6 address. */
function embeddedIpv4(v6: ipaddr.IPv6): ipaddr.IPv4 | undefined {
  const p = v6.parts;
  const last32 = () => new ipaddr.IPv4([p[6] >> 8, p[6] & 0xff, p[7] >> 8, p[7] & 0xff]);
  const zeros = (from: number, to: number) => p.slice(from, to).every((x) => x === 0);
  if (zeros(0, 5) && p[5] === 0xffff) return last32(); // ::ffff:a.b.c.d
  if (zeros(0, 4) && p[4] === 0xffff && p[5] === 0) return last32(); // ::ffff:0:a.b.c.d (SIIT)
  if (zeros(0, 6) && (p[6] !== 0 || p[7] > 1)) return last32(); // ::a.b.c.d (compatible; not :: or ::1)
  if (p[0] === 0x64 && p[1] === 0xff9b && (zeros(2, 6) || p[2] === 1)) return last32(); // NAT64
  return undefined;
}

/** A URL's host as a bare name or address: lower case, brackets and one trailing dot removed. */
export function bareHost(hostname: string): string {
  const host = hostname.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  return host.endsWith('.') ? host.slice(0, -1) : host;
}

/**
 * The URL checks that need no DNS (also run by the DTO): an absolute `http(s)` URL with a host,
 * without `user:pass@`. The WHATWG parser canonicalises every IPv4 spelling (`0x7f000001`,
 * `2130706433`, `0177.0.0.1`, `127.1` → `127.0.0.1`) and IPv6 (`[::ffff:127.0.0.1]` →
 * `[::ffff:7f00:1]`). @returns the parsed URL, or the problem
 */
export function parseWebhookUrl(raw: string): { url: URL } | { problem: string } {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { problem: 'webhookUrl must be an http(s) URL' };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { problem: 'webhookUrl must be an http(s) URL' };
  if (url.username !== '' || url.password !== '') return { problem: 'webhookUrl must not carry credentials (user:password@): send a secret in the path or a query parameter of a receiver you control' };
  if (bareHost(url.hostname) === '') return { problem: 'webhookUrl must name a host' };
  return { url };
}

/** What a log line may say about a target: its host (never the path, query or credentials). */
export function hostOf(raw: string): string {
  try {
    return new URL(raw).host || '(no host)';
  } catch {
    return '(not a URL)';
  }
}

/**
 * The SSRF policy of webhooks: which URLs may be called and at which address. The same check runs
 * when an alert is created (a 400 naming the problem) and before every delivery attempt, which
 * then connects to the address checked here (no second resolution between check and connect, so
 * a DNS answer that changes in between, "rebinding", cannot aim the request inward).
 */
export class WebhookTargetPolicy {
  private readonly allowed: Set<string>;

  constructor(
    private readonly rules: WebhookTargetRules,
    private readonly resolve: WebhookResolver,
  ) {
    this.allowed = new Set(rules.allowedHosts.map(canonicalAllowedHost));
  }

  /**
   * @throws WebhookTargetRefused (the message names the problem), WebhookTargetUnresolved
   */
  async check(raw: string): Promise<CheckedTarget> {
    const parsed = parseWebhookUrl(raw);
    if ('problem' in parsed) throw new WebhookTargetRefused(parsed.problem);
    const { url } = parsed;
    const hostname = bareHost(url.hostname);
    const allowed = this.allowed.has(hostname);
    if (METADATA_HOSTS.has(hostname)) throw new WebhookTargetRefused(`webhookUrl must not point to a cloud metadata service (${hostname})`);
    if (this.rules.httpsOnly && url.protocol !== 'https:' && !allowed) {
      throw new WebhookTargetRefused(`webhookUrl must use https (plain http only for hosts in ALERTS_WEBHOOK_ALLOWED_HOSTS)`);
    }
    const literal = isIP(hostname);
    let addresses: ResolvedAddress[];
    if (literal !== 0) addresses = [{ address: hostname, family: literal }];
    else {
      try {
        addresses = await this.resolve(hostname);
      } catch (error) {
        throw new WebhookTargetUnresolved(`webhookUrl host ${hostname} does not resolve (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
      }
      if (addresses.length === 0) throw new WebhookTargetUnresolved(`webhookUrl host ${hostname} does not resolve`);
    }
    // Any bad address refuses the host: a resolver may pick any of them, and so would an attacker.
    for (const { address } of addresses) {
      const problem = addressProblem(address);
      if (!problem) continue;
      // Metadata services stay refused even for an allowed host; anything else an allowed host may be.
      if (allowed && !problem.startsWith('a cloud metadata')) continue;
      const where = literal !== 0 ? hostname : `${hostname} resolves to one`;
      throw new WebhookTargetRefused(`webhookUrl must not point to ${problem} (${where})`);
    }
    const [first] = addresses;
    return { url, hostname, address: first.address, family: isIP(first.address) === 6 ? 6 : 4, allowed };
  }
}

/** An ALERTS_WEBHOOK_ALLOWED_HOSTS item as the URL parser would spell its host (`0x7f000001` → `127.0.0.1`). */
export function canonicalAllowedHost(item: string): string {
  const trimmed = item.trim();
  const bracketed = isIP(trimmed) === 6 ? `[${trimmed}]` : trimmed;
  try {
    return bareHost(new URL(`http://${bracketed}/`).hostname);
  } catch {
    return bareHost(trimmed);
  }
}

/** Whether an ALERTS_WEBHOOK_ALLOWED_HOSTS item is a bare host (name or IP literal, no scheme, port or path). */
export function isAllowedHostItem(item: string): boolean {
  if (isIP(item) !== 0) return true;
  try {
    const url = new URL(`http://${item}/`);
    return url.port === '' && url.username === '' && bareHost(url.hostname) === canonicalAllowedHost(item) && !/[/?#@:]/.test(item.replace(/^\[.*\]$/, ''));
  } catch {
    return false;
  }
}

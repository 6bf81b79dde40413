import { Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { hash, timingSafeEqual } from 'node:crypto';
import { statSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import type { AuthConfig, ClientCredential } from '../config/auth.config';
import type { AllConfig } from '../config/configuration';
import { ANONYMOUS, type Caller } from './caller';
import { readCredentialsFile } from './credentials-file';
import { presentedSecret } from './presented-secret';
import { expandScopes, type Scope } from './scopes';

// One-shot `hash` (Node ≥ 20.12): about a third cheaper than a createHash object per request.
const sha256 = (text: string): Buffer => hash('sha256', text, 'buffer');
/** Map key of a digest (latin1: one char per byte, the cheapest string form). */
const keyOf = (digest: Buffer): string => digest.toString('latin1');
/** Compared against when a digest matches nothing, so a miss costs the same comparison as a hit. */
const NO_MATCH = Buffer.alloc(32);
/** The anonymous scopes when nothing says otherwise and the service is not locked down (see AuthConfig). */
const OPEN_ANONYMOUS: Scope[] = ['read', 'compute', 'alerts'];

interface Known {
  digest: Buffer;
  caller: Caller;
}

/**
 * Every configured client credential, by the SHA-256 of its secret: `ADMIN_API_KEY` (the caller
 * `admin`), `CLIENT_CREDENTIALS`, and `CLIENT_CREDENTIALS_FILE`, which is re-read when it changes
 * (checked every `CLIENT_CREDENTIALS_RELOAD_MS`), so secrets rotate without a restart: list the
 * old and the new secret of a caller, roll the clients over, then drop the old one.
 *
 * Identifying a request costs one SHA-256 of the presented secret, a Map lookup by that digest
 * and one `timingSafeEqual` of two 32-byte digests (against a dummy on a miss): the time taken
 * depends on neither the secret's bytes nor its length.
 */
@Injectable()
export class CallerRegistry implements OnModuleDestroy {
  private readonly logger = new Logger(CallerRegistry.name);
  private readonly config: AuthConfig;
  private readonly nodeEnv: string;
  private readonly adminApiKey?: string;
  private known = new Map<string, Known>();
  private anonymous!: Caller;
  private admin = false;
  private callerNames: ReadonlySet<string> = new Set([ANONYMOUS]);
  private fileStamp?: string;
  private lastReloadError?: string;
  private timer?: NodeJS.Timeout;

  constructor(config: ConfigService<AllConfig, true>) {
    this.config = config.get('auth', { infer: true });
    const app = config.get('app', { infer: true });
    this.nodeEnv = app.nodeEnv;
    this.adminApiKey = app.adminApiKey;
    this.load(this.config.credentialsFile ? this.readFileAtBoot(this.config.credentialsFile) : []);
    if (this.config.credentialsFile) {
      this.timer = setInterval(() => this.reload(), this.config.credentialsReloadMs);
      this.timer.unref();
    }
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  /** Who presents these headers. Unknown secret: anonymous, no scopes, `rejected`. */
  identify(headers: IncomingHttpHeaders): Caller {
    const secret = presentedSecret(headers);
    if (secret === undefined) return this.anonymous;
    const digest = sha256(secret);
    const known = this.known.get(keyOf(digest));
    const same = timingSafeEqual(digest, known?.digest ?? NO_MATCH);
    if (known && same) return known.caller;
    return { name: ANONYMOUS, scopes: new Set(), authenticated: false, rejected: true };
  }

  /** Whether any credential holds `admin` (else the admin API is off: 503). */
  adminConfigured(): boolean {
    return this.admin;
  }

  /** Every caller name a metric label can take: configured names (ever loaded) and `anonymous`. */
  names(): ReadonlySet<string> {
    return this.callerNames;
  }

  /** What callers without a credential may do right now. */
  anonymousScopes(): ReadonlySet<Scope> {
    return this.anonymous.scopes;
  }

  /** Checks the file now (the timer does this every CLIENT_CREDENTIALS_RELOAD_MS). */
  reload(): void {
    const path = this.config.credentialsFile;
    if (!path) return;
    try {
      const fromFile = this.readFile(path, false);
      if (fromFile) this.load(fromFile);
      this.lastReloadError = undefined;
    } catch (error) {
      // Once per distinct problem, not every tick.
      const message = (error as Error).message;
      if (message !== this.lastReloadError) this.logger.error(`Client credentials file not reloaded, keeping the previous set: ${message}`);
      this.lastReloadError = message;
    }
  }

  /**
   * A bad or unreadable file at boot stops the service (like a bad env var); a missing one (an
   * optional Secret not created yet) means no credentials from it until it appears. Later, a bad
   * rewrite keeps the last good set.
   */
  private readFileAtBoot(path: string): ClientCredential[] {
    try {
      return this.readFile(path, true);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      this.logger.warn(`Client credentials file ${path} does not exist (yet): no credentials from it until it appears`);
      return [];
    }
  }

  /** The file's credentials, or undefined when it has not changed since the last read. */
  private readFile(path: string, force: true): ClientCredential[];
  private readFile(path: string, force: boolean): ClientCredential[] | undefined;
  private readFile(path: string, force: boolean): ClientCredential[] | undefined {
    // Stat of the path (not an fs.watch of the inode): Kubernetes swaps a Secret volume's symlinks.
    const stat = statSync(path);
    const stamp = `${stat.ino}:${stat.size}:${stat.mtimeMs}`;
    if (!force && stamp === this.fileStamp) return undefined;
    const credentials = readCredentialsFile(path);
    this.fileStamp = stamp;
    if (!force) this.logger.log(`Client credentials reloaded from ${path}: ${new Set(credentials.map((c) => c.name)).size} caller(s)`);
    return credentials;
  }

  private load(fromFile: ClientCredential[]): void {
    const clients = [...this.config.clients, ...fromFile];
    const all = this.adminApiKey ? [...clients, { name: 'admin', scopes: ['admin'] as Scope[], secret: this.adminApiKey }] : clients;
    // A caller's scopes are the union over its entries (all its secrets act alike).
    const scopesByName = new Map<string, Set<Scope>>();
    for (const { name, scopes } of all) {
      const set = scopesByName.get(name) ?? new Set<Scope>();
      scopes.forEach((s) => set.add(s));
      scopesByName.set(name, set);
    }
    const known = new Map<string, Known>();
    for (const { name, secret } of all) {
      const digest = sha256(secret);
      const caller: Caller = { name, scopes: expandScopes(scopesByName.get(name) ?? []), authenticated: true, rejected: false, fingerprint: digest.toString('hex').slice(0, 8) };
      known.set(keyOf(digest), { digest, caller });
    }
    const lockedDown = this.nodeEnv === 'production' || clients.length > 0;
    const anonymousScopes = this.config.anonymousScopes ?? (lockedDown ? ['read'] : OPEN_ANONYMOUS);
    this.known = known;
    this.anonymous = { name: ANONYMOUS, scopes: new Set(anonymousScopes), authenticated: false, rejected: false };
    this.admin = [...scopesByName.values()].some((s) => s.has('admin'));
    this.callerNames = new Set([...this.callerNames, ...scopesByName.keys()]);
  }
}

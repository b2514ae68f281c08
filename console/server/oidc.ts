// Sign-in with an OpenID Connect provider (openid-client): the authorization-code flow with PKCE (S256), state and
// nonce. A sign-in in progress is kept here for 10 minutes, bound to the browser that started it by a cookie whose
// hash it stores, and used once. The provider's ID token is verified by the library (signature, issuer, audience,
// expiry, nonce); its groups claim is mapped to console roles. Failures become one clear sentence for the sign-in page.
import { createHash, randomBytes } from 'node:crypto';
import * as oidc from 'openid-client';
import type { Role } from '../../contracts/console';
import { isRole } from '../../access';

export interface OidcSettings {
  issuer: string;
  clientId: string;
  /** Absent: a public client (PKCE alone). */
  clientSecret?: string;
  /** The console's callback as registered at the provider (…/api/session/oidc/callback). */
  redirectUrl: string;
  /** Space-separated (default 'openid profile email'). */
  scopes?: string;
  /** The ID token claim with the user's groups (default 'groups'). */
  rolesClaim?: string;
  /** Group → console roles. */
  roleMap: Record<string, readonly string[]>;
  /** The provider's name on the sign-in button. */
  label?: string;
  /** Seconds to wait for the provider (default 10). */
  timeoutS?: number;
}

/** Who the provider vouched for, with the console roles of their groups. */
export interface OidcIdentity {
  issuer: string;
  subject: string;
  preferredName?: string;
  groups: string[];
  roles: Role[];
}

/** A sign-in the console refuses: the message is for the person signing in; `audit` is what the trail records. */
export class OidcRefusal extends Error {
  constructor(
    message: string,
    readonly audit: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'OidcRefusal';
  }
}

interface Pending {
  bindingHash: string;
  codeVerifier: string;
  nonce: string;
  next: string;
  expiresAt: number;
}

const PENDING_MS = 10 * 60 * 1000;
const MAX_PENDING = 10000;
const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);
const hash = (text: string) => createHash('sha256').update(text).digest('hex');

/** Where to go after signing in: a path of this console only (no other host, no sign-in loop). */
export function safeNext(next: unknown): string {
  return typeof next === 'string' && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\') && !next.startsWith('/sign-in') ? next : '/';
}

/** Maps a claim's groups (a list or one string) to roles through the map, in the roles' order of first mention. */
export function rolesOfGroups(claim: unknown, roleMap: Record<string, readonly string[]>): { groups: string[]; roles: Role[] } {
  const groups = (Array.isArray(claim) ? claim : typeof claim === 'string' ? [claim] : []).filter((g): g is string => typeof g === 'string');
  const roles = new Set<Role>();
  for (const group of groups) for (const role of roleMap[group] ?? []) if (isRole(role)) roles.add(role);
  return { groups, roles: [...roles] };
}

/** The innermost cause's system code (ECONNREFUSED, ETIMEDOUT…) or message. Duck-typed: causes may come from another realm. */
function causeText(err: unknown): string {
  let code: string | undefined;
  let message = String(err);
  for (let e: unknown = err; typeof e === 'object' && e !== null; e = (e as { cause?: unknown }).cause) {
    const { code: c, message: m } = e as { code?: unknown; message?: unknown };
    if (typeof c === 'string') code = c;
    if (typeof m === 'string' && m) message = m;
  }
  return code ?? message;
}

/** Whether fetch could not reach the provider (fetch's TypeError, wherever in the chain: the library may wrap it). */
function unreachable(err: unknown): boolean {
  for (let e: unknown = err; typeof e === 'object' && e !== null; e = (e as { cause?: unknown }).cause)
    if ((e as Error).name === 'TypeError' && (e as Error).message === 'fetch failed') return true;
  return false;
}

export class OidcSignIn {
  private config?: Promise<oidc.Configuration>;
  private readonly pending = new Map<string, Pending>();
  private readonly now: () => number;

  constructor(
    readonly settings: OidcSettings,
    now: () => Date = () => new Date(),
  ) {
    this.now = () => now().getTime();
  }

  get label(): string {
    return this.settings.label ?? 'your identity provider';
  }

  /** One sentence for a failure talking to the provider or verifying its answer. */
  describe(err: unknown): string {
    const issuer = this.settings.issuer;
    if (err instanceof oidc.AuthorizationResponseError)
      return `the identity provider refused the sign-in: ${err.error}${err.error_description ? ` (${err.error_description})` : ''}`;
    if (err instanceof oidc.ResponseBodyError)
      return `the identity provider refused to exchange the sign-in code: ${err.error}${err.error_description ? ` (${err.error_description})` : ''}`;
    if (unreachable(err)) return `the identity provider at ${issuer} does not answer (${causeText(err)}); try again later`;
    if (err instanceof oidc.ClientError) {
      if (err.code === 'OAUTH_TIMEOUT' || err.code === 'OAUTH_ABORT')
        return `the identity provider at ${issuer} did not answer within ${this.settings.timeoutS ?? 10} s; try again later`;
      const detail = err.cause instanceof Error && err.cause.message !== err.message ? `: ${err.cause.message}` : '';
      return `the identity provider's answer failed verification (${err.message}${detail})`;
    }
    return `sign-in with the identity provider failed: ${(err as Error)?.message ?? String(err)}`;
  }

  /** The provider's configuration from its discovery document; a failure is not kept, so the next sign-in asks again. */
  private configuration(): Promise<oidc.Configuration> {
    if (!this.config) {
      const { issuer, clientId, clientSecret, timeoutS } = this.settings;
      const url = new URL(issuer);
      // http only to a provider on this machine (a test or a development provider); a site's provider is https.
      const insecure = url.protocol === 'http:' && LOOPBACK.has(url.hostname);
      this.config = oidc
        .discovery(url, clientId, clientSecret, clientSecret ? oidc.ClientSecretBasic(clientSecret) : oidc.None(), {
          timeout: timeoutS ?? 10,
          ...(insecure ? { execute: [oidc.allowInsecureRequests] } : {}),
        })
        .catch((err: unknown) => {
          this.config = undefined;
          throw err;
        });
    }
    return this.config;
  }

  private prune(): void {
    const now = this.now();
    for (const [state, p] of this.pending) if (p.expiresAt <= now) this.pending.delete(state);
  }

  /**
   * Starts a sign-in: the provider's authorization URL and the browser binding (a secret for a cookie; only its hash
   * is kept). Throws OidcRefusal when the provider cannot be reached.
   */
  async start(next: unknown): Promise<{ url: string; binding: string }> {
    let config: oidc.Configuration;
    try {
      config = await this.configuration();
    } catch (err) {
      throw new OidcRefusal(this.describe(err), { stage: 'discovery' });
    }
    this.prune();
    if (this.pending.size >= MAX_PENDING) throw new OidcRefusal('too many sign-ins in progress; try again in a few minutes', { stage: 'start' });
    const codeVerifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const binding = randomBytes(32).toString('base64url');
    this.pending.set(state, { bindingHash: hash(binding), codeVerifier, nonce, next: safeNext(next), expiresAt: this.now() + PENDING_MS });
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: this.settings.redirectUrl,
      scope: this.settings.scopes ?? 'openid profile email',
      response_type: 'code',
      code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    return { url: url.href, binding };
  }

  /**
   * Finishes a sign-in from the callback's query string: the sign-in it belongs to (by state, from this browser, not
   * used before), the code exchanged for tokens, the ID token verified, the groups mapped. Throws OidcRefusal.
   */
  async finish(query: string, binding: string | undefined): Promise<OidcIdentity & { next: string }> {
    const params = new URLSearchParams(query);
    const state = params.get('state') ?? '';
    this.prune();
    const pending = this.pending.get(state);
    if (!pending || !binding || hash(binding) !== pending.bindingHash)
      throw new OidcRefusal(
        'this sign-in answer does not belong to a sign-in started in this browser, or was used already (state does not match); start again',
        { stage: 'state' },
      );
    // Used once, whatever happens next: a replayed answer finds nothing.
    this.pending.delete(state);
    let config: oidc.Configuration;
    try {
      config = await this.configuration();
    } catch (err) {
      throw new OidcRefusal(this.describe(err), { stage: 'discovery' });
    }
    const current = new URL(this.settings.redirectUrl);
    current.search = params.toString();
    let claims: oidc.IDToken | undefined;
    try {
      const tokens = await oidc.authorizationCodeGrant(config, current, {
        pkceCodeVerifier: pending.codeVerifier,
        expectedState: state,
        expectedNonce: pending.nonce,
        idTokenExpected: true,
      });
      claims = tokens.claims();
    } catch (err) {
      throw new OidcRefusal(this.describe(err), { stage: 'token' });
    }
    if (!claims) throw new OidcRefusal('the identity provider sent no ID token', { stage: 'token' });
    const claimName = this.settings.rolesClaim ?? 'groups';
    const { groups, roles } = rolesOfGroups(claims[claimName], this.settings.roleMap);
    const preferredName = [claims.preferred_username, claims.email, claims.sub].find((v): v is string => typeof v === 'string' && v.length > 0);
    if (roles.length === 0)
      throw new OidcRefusal(
        `your account at the identity provider (${preferredName ?? claims.sub}) is in no group that has a console role (claim '${claimName}': ${
          groups.length ? groups.join(', ') : 'absent'
        }); ask an administrator to add you to one`,
        { stage: 'roles', subject: claims.sub, groups },
      );
    return { issuer: claims.iss, subject: claims.sub, preferredName, groups, roles, next: pending.next };
  }
}

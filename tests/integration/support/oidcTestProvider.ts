// Drives a real OpenID Connect provider (oidcProvider.mjs, oidc-provider in a process of its own) for the console's
// sign-in tests: starts it on a free port with the given clients and users, and walks its login pages over plain
// HTTP with a cookie jar per "browser", as a person's browser would: redirects followed by hand, so the test sees the
// provider's answer to the console before deciding what to do with it.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import net from 'node:net';
import path from 'node:path';

export interface TestUser {
  preferred_username: string;
  name: string;
  groups?: string[];
  email?: string;
}

export interface TestClient {
  client_id: string;
  client_secret: string;
  redirect_uris: string[];
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface RunningProvider {
  issuer: string;
  process: ChildProcess;
  /** Puts this ID token in the provider's next token response instead of its own. */
  substituteIdToken(idToken: string): Promise<void>;
  stop(): Promise<void>;
}

export async function startProvider(options: { clients: TestClient[]; users: Record<string, TestUser>; port?: number }): Promise<RunningProvider> {
  const port = options.port ?? (await freePort());
  const child = spawn(process.execPath, [path.join(__dirname, 'oidcProvider.mjs')], {
    env: { ...process.env, OIDC_TEST_CONFIG: JSON.stringify({ port, clients: options.clients, users: options.users }) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const issuer = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the test identity provider did not start within 30 s: ${output}`)), 30000);
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const ready = /READY (\S+)/.exec(output);
      if (ready) {
        clearTimeout(timer);
        resolve(ready[1]);
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the test identity provider exited (${code}): ${output}`));
    });
  });
  return {
    issuer,
    process: child,
    substituteIdToken: async (idToken) => {
      const r = await fetch(`${issuer}/__test/substitute-id-token`, { method: 'POST', body: JSON.stringify({ idToken }) });
      if (r.status !== 204) throw new Error(`substitute: HTTP ${r.status}`);
    },
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** A browser's cookies, by origin (paths ignored: every cookie of an origin is sent to all its paths). */
export class CookieBrowser {
  private readonly jar = new Map<string, Map<string, string>>();

  cookies(origin: string): Map<string, string> {
    let cookies = this.jar.get(origin);
    if (!cookies) this.jar.set(origin, (cookies = new Map()));
    return cookies;
  }

  /** One request, no redirect followed; the answer's cookies kept (Max-Age=0 or a past Expires removes one). */
  async request(url: string, init: { method?: string; body?: string; headers?: Record<string, string> } = {}): Promise<Response> {
    const origin = new URL(url).origin;
    const cookies = this.cookies(origin);
    const header = [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const response = await fetch(url, { ...init, redirect: 'manual', headers: { ...(init.headers ?? {}), ...(header ? { cookie: header } : {}) } });
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(';');
      const at = pair.indexOf('=');
      const name = pair.slice(0, at).trim();
      const value = pair.slice(at + 1).trim();
      const gone = attributes.some((a) => /^\s*max-age=0\s*$/i.test(a) || (/^\s*expires=/i.test(a) && Date.parse(a.split('=')[1]) < Date.now()));
      if (gone || value === '') cookies.delete(name);
      else cookies.set(name, value);
    }
    return response;
  }

  /** The Location of a redirect, resolved against the request's URL; throws on any other answer. */
  async redirect(url: string, init: { method?: string; body?: string; headers?: Record<string, string> } = {}): Promise<string> {
    const response = await this.request(url, init);
    const location = response.headers.get('location');
    if (response.status < 300 || response.status > 399 || !location)
      throw new Error(`${init.method ?? 'GET'} ${url}: expected a redirect, got ${response.status} ${(await response.text()).slice(0, 500)}`);
    return new URL(location, url).href;
  }
}

/**
 * Signs `accountId` in at the provider, from its authorization URL: the login page, then any consent page, until the
 * provider redirects to a URL outside itself (the client's redirect URI with code and state), which is returned.
 */
export async function signInAtProvider(browser: CookieBrowser, authorizationUrl: string, accountId: string): Promise<string> {
  const providerOrigin = new URL(authorizationUrl).origin;
  let url = await browser.redirect(authorizationUrl);
  for (let step = 0; step < 10 && new URL(url).origin === providerOrigin; step++) {
    const interaction = /\/interaction\/([^/?]+)$/.exec(new URL(url).pathname);
    if (interaction) {
      const page = await (await browser.request(url)).text();
      const prompt = /name="prompt" value="(\w+)"/.exec(page)?.[1] ?? (page.includes('name="login"') ? 'login' : 'consent');
      const body = new URLSearchParams(prompt === 'login' ? { prompt, login: accountId, password: 'any' } : { prompt }).toString();
      url = await browser.redirect(url, { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    } else url = await browser.redirect(url);
  }
  if (new URL(url).origin === providerOrigin) throw new Error(`the provider did not send the browser back: last at ${url}`);
  return url;
}

/**
 * An ID token the provider issues to another client of its own (`client`), by that client's own authorization-code
 * flow: a real token, signed by the provider, for another audience.
 */
export async function idTokenFor(provider: RunningProvider, client: TestClient, accountId: string): Promise<string> {
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const auth = new URL(`${provider.issuer}/auth`);
  for (const [k, v] of Object.entries({
    client_id: client.client_id,
    response_type: 'code',
    scope: 'openid profile groups',
    redirect_uri: client.redirect_uris[0],
    state: randomBytes(8).toString('hex'),
    nonce: randomBytes(8).toString('hex'),
    code_challenge: challenge,
    code_challenge_method: 'S256',
  }))
    auth.searchParams.set(k, v);
  const back = new URL(await signInAtProvider(new CookieBrowser(), auth.href, accountId));
  const code = back.searchParams.get('code');
  if (!code) throw new Error(`no code in ${back.href}`);
  const token = await fetch(`${provider.issuer}/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${client.client_id}:${client.client_secret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: client.redirect_uris[0], code_verifier: verifier }).toString(),
  });
  const answer = (await token.json()) as { id_token?: string };
  if (!answer.id_token) throw new Error(`no ID token for ${client.client_id}: ${JSON.stringify(answer)}`);
  return answer.id_token;
}

// A real OpenID Connect provider for the console's sign-in tests: oidc-provider (ESM only, so a process of its own),
// with the clients and users given as JSON in OIDC_TEST_CONFIG, a 'groups' claim released by the 'groups' scope and
// put in the ID token, its own RSA signing key, and its development login pages (any registered account id signs in).
// Prints one line `READY <issuer>` once listening. A test may hand it, by POST /__test/substitute-id-token, an ID
// token to put in its next token response instead of its own: how a token minted for another client or by another
// issuer is presented to the console.
//
// OIDC_TEST_CONFIG: { port: number, clients: ClientMetadata[], users: { [sub]: { preferred_username, name, groups } } }
import { generateKeyPair, exportJWK } from 'jose';
import Provider from 'oidc-provider';

const config = JSON.parse(process.env.OIDC_TEST_CONFIG ?? '{}');
const issuer = `http://127.0.0.1:${config.port}`;
const { privateKey } = await generateKeyPair('RS256', { extractable: true });
const jwk = { ...(await exportJWK(privateKey)), alg: 'RS256', use: 'sig', kid: `test-${config.port}` };

const provider = new Provider(issuer, {
  clients: config.clients,
  jwks: { keys: [jwk] },
  cookies: { keys: [`cookie-key-${config.port}-${Math.random()}`] },
  scopes: ['openid', 'profile', 'email', 'groups'],
  claims: { openid: ['sub'], profile: ['name', 'preferred_username'], email: ['email'], groups: ['groups'] },
  // The scopes' claims in the ID token itself (the console reads no userinfo).
  conformIdTokenClaims: false,
  pkce: { required: () => true },
  features: { devInteractions: { enabled: true } },
  async findAccount(_ctx, sub) {
    const user = config.users[sub];
    if (!user) return undefined;
    return { accountId: sub, claims: async () => ({ sub, ...user }) };
  },
  // First-party clients: the scopes asked for are granted without a consent page.
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope(ctx.oidc.params.scope);
    await grant.save();
    return grant;
  },
});

let substitute = null;
provider.use(async (ctx, next) => {
  if (ctx.path === '/__test/substitute-id-token' && ctx.method === 'POST') {
    let body = '';
    for await (const chunk of ctx.req) body += chunk;
    substitute = JSON.parse(body).idToken;
    ctx.status = 204;
    return;
  }
  await next();
  if (ctx.path === '/token' && substitute && ctx.body && typeof ctx.body === 'object' && ctx.body.id_token) {
    ctx.body = { ...ctx.body, id_token: substitute };
    substitute = null;
  }
});

const server = provider.listen(config.port, '127.0.0.1', () => console.log(`READY ${issuer}`));
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => server.close(() => process.exit(0)));

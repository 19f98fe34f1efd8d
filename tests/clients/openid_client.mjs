// A relying party nobody here wrote: openid-client 6 (npm, pinned in package.json), with its
// default settings, signs a user in at a live `mockscim serve --tls` (tests/test_openid_client.py):
// discovery, the authorization code flow with PKCE (S256), client_secret_basic (form-encoded
// credentials, RFC 6749 section 2.3.1), the ID token verified (claims, and with
// enableNonRepudiationChecks its signature against the tenant's JWKS) and userinfo.
//
//   node openid_client.mjs ISSUER [USERNAME PASSWORD]
//
// ISSUER is the tenant's `.../SAAS/auth` URL, in either tenant form: the path form
// `https://127.0.0.1:PORT/SAAS/t/acme/auth`, or the Host form `https://acme.localhost:PORT/SAAS/auth`
// (a `*.localhost` name is connected to 127.0.0.1, as browsers do, since the resolver may not know
// it; the name stays the TLS server name and the Host). Trust comes from NODE_EXTRA_CA_CERTS;
// verification stays on. The login page is driven as a browser would: GET it, POST its form.
// Prints one JSON line {issuer, sub, preferred_username, email}; exit 1 on any failure.
import https from "node:https";
import * as client from "openid-client";

const [issuerArg, username = "jdoe", password = "Welcome1!"] = process.argv.slice(2);
const CLIENT_ID = "mockscim-web";
const SECRET = "mockscim-web-secret";
const REDIRECT = "http://127.0.0.1:9/callback"; // a registered loopback URI: any port matches

const issuer = new URL(issuerArg);
const loopbackName = issuer.hostname.endsWith(".localhost");

// fetch over node:https with *.localhost looked up as 127.0.0.1 (a fetch that is not redirected).
function loopbackFetch(url, options = {}) {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const body = options.body == null ? null : Buffer.from(String(options.body));
    const headers = Object.fromEntries(new Headers(options.headers ?? {}));
    if (body) headers["content-length"] = String(body.length);
    const lookup = (host, opts, done) =>
      opts && opts.all ? done(null, [{ address: "127.0.0.1", family: 4 }]) : done(null, "127.0.0.1", 4);
    const request = https.request(
      target,
      { method: options.method ?? "GET", headers, lookup, signal: options.signal },
      (reply) => {
        const chunks = [];
        reply.on("data", (chunk) => chunks.push(chunk));
        reply.on("end", () => {
          const answer = new Headers();
          for (const [name, value] of Object.entries(reply.headers)) {
            for (const one of [value].flat()) answer.append(name, one);
          }
          const empty = [204, 304].includes(reply.statusCode) || chunks.length === 0;
          resolve(new Response(empty ? null : Buffer.concat(chunks), { status: reply.statusCode, headers: answer }));
        });
      },
    );
    request.on("error", reject);
    if (body) request.write(body);
    request.end();
  });
}

const http = loopbackName ? loopbackFetch : (url, init) => fetch(url, { ...init, redirect: "manual" });
const options = loopbackName ? { [client.customFetch]: loopbackFetch } : undefined;

function fail(message) {
  console.error(`openid-client: ${message}`);
  process.exit(1);
}

const unescape = (text) =>
  text.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");

try {
  const config = await client.discovery(issuer, CLIENT_ID, SECRET, client.ClientSecretBasic(SECRET), options);
  client.enableNonRepudiationChecks(config); // verify the ID token's signature with the JWKS
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = client.randomNonce();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT,
    scope: "openid profile email",
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: "S256",
    state,
    nonce,
  });

  // The login page, then its form, as a browser submits it (the form posts to the same URL).
  const page = await http(url.href, { method: "GET" });
  const html = await page.text();
  if (page.status !== 200 || !html.includes('name="password"')) fail(`login page: ${page.status} ${html.slice(0, 200)}`);
  const form = new URLSearchParams();
  for (const [, name, value] of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
    form.append(name, unescape(value));
  }
  form.set("username", username);
  form.set("password", password);
  const signedIn = await http(url.href, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: form.toString(),
  });
  const location = signedIn.headers.get("location");
  if (signedIn.status !== 302 || !location) fail(`sign-in: ${signedIn.status} ${(await signedIn.text()).slice(0, 200)}`);

  const tokens = await client.authorizationCodeGrant(config, new URL(location), {
    pkceCodeVerifier: verifier,
    expectedState: state,
    expectedNonce: nonce,
    idTokenExpected: true,
  });
  const claims = tokens.claims();
  if (!claims || claims.preferred_username !== username) fail(`ID token claims: ${JSON.stringify(claims)}`);
  const info = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
  if (info.preferred_username !== username || info.email !== claims.email) fail(`userinfo: ${JSON.stringify(info)}`);
  console.log(
    JSON.stringify({ issuer: config.serverMetadata().issuer, sub: info.sub, preferred_username: info.preferred_username, email: info.email }),
  );
} catch (error) {
  fail(`${error.name}: ${error.message}${error.code ? ` (${error.code})` : ""}${error.cause ? ` cause: ${JSON.stringify(error.cause).slice(0, 300)}` : ""}`);
}

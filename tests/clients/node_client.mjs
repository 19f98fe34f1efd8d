// A SCIM client in Node.js with its built-in fetch, run by `mockscim exec --tls`
// (tests/test_exec.py): a token, a search for USER (default jdoe), a PATCH of that user's title.
// It has no TLS settings of its own: Node trusts the throwaway CA through NODE_EXTRA_CA_CERTS,
// which mockscim exec sets, and verification stays on (never NODE_TLS_REJECT_UNAUTHORIZED=0).
// Exit 0 when the PATCH answered 204, 3 when USER was not found, 2 when a request failed.
const env = process.env;
const user = process.argv[2] ?? "jdoe";

async function call(url, init = {}) {
  try {
    return await fetch(url, init);
  } catch (error) {
    console.error(`node client: ${url}: ${error.message} (${error.cause?.code ?? error.cause})`);
    process.exit(2);
  }
}

const basic = Buffer.from(`${env.MOCKSCIM_CLIENT_ID}:${env.MOCKSCIM_CLIENT_SECRET}`).toString("base64");
const granted = await call(`${env.MOCKSCIM_TOKEN_URL}?grant_type=client_credentials`, {
  method: "POST",
  headers: { Authorization: `Basic ${basic}` },
});
const { access_token: token } = await granted.json();
const headers = { Authorization: `Bearer ${token}` };

const query = new URLSearchParams({ filter: `userName eq "${user}"`, attributes: "userName" });
const found = await (await call(`${env.MOCKSCIM_SCIM_URL}/Users?${query}`, { headers })).json();
if (found.totalResults === 0) {
  console.error(`node client: no user ${user}`);
  process.exit(3);
}
const id = found.Resources[0].id;

const patched = await call(`${env.MOCKSCIM_SCIM_URL}/Users/${id}`, {
  method: "PATCH",
  headers: { ...headers, "Content-Type": "application/json" },
  body: JSON.stringify({ title: "Patched by node" }),
});
if (patched.status !== 204) {
  console.error(`node client: PATCH answered ${patched.status}`);
  process.exit(4);
}
console.log(`node client: patched ${user} (${id}) over ${new URL(env.MOCKSCIM_URL).protocol.replace(":", "")}`);

#!/usr/bin/env bash
# A SCIM client in bash and curl, run by `mockscim exec --tls` (tests/test_exec.py): a token, a
# search for USER (default jdoe), a PATCH of that user's title. It trusts only the throwaway CA
# (--cacert "$MOCKSCIM_CA_FILE"; never -k). Exit 0 when the PATCH answered 204, 3 when USER was
# not found, curl's own code when a request failed.
set -euo pipefail
user="${1:-jdoe}"
: "${MOCKSCIM_CA_FILE:?run me under mockscim exec --tls}"

call() { curl --silent --show-error --fail-with-body --cacert "$MOCKSCIM_CA_FILE" "$@"; }

reply=$(call -X POST -u "$MOCKSCIM_CLIENT_ID:$MOCKSCIM_CLIENT_SECRET" \
  "$MOCKSCIM_TOKEN_URL?grant_type=client_credentials")
token=$(sed -E 's/.*"access_token":"([^"]+)".*/\1/' <<<"$reply")

found=$(call --get -H "Authorization: Bearer $token" \
  --data-urlencode "filter=userName eq \"$user\"" --data-urlencode "attributes=userName" \
  "$MOCKSCIM_SCIM_URL/Users")
if grep -q '"totalResults":0' <<<"$found"; then
  echo "curl client: no user $user" >&2
  exit 3
fi
id=$(grep -o '"id":"[^"]*"' <<<"$found" | head -1 | cut -d'"' -f4)

status=$(call -o /dev/null -w '%{http_code}' -X PATCH -H "Authorization: Bearer $token" \
  -H 'Content-Type: application/json' -d '{"title": "Patched by curl"}' \
  "$MOCKSCIM_SCIM_URL/Users/$id")
[ "$status" = 204 ] || { echo "curl client: PATCH answered $status" >&2; exit 4; }
echo "curl client: patched $user ($id) over ${MOCKSCIM_URL%%:*}"

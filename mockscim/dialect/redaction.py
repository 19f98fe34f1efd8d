"""What never leaves mockscim: passwords, client secrets and tokens, in any form a client sends.

The journal, the control API, failure reports, strict mode's messages and the access log all show
requests through these functions. The rules, each chosen so that it cannot leak whatever the
client got wrong:

1. **Headers**: ``Authorization``, ``Cookie`` and the control token keep their scheme only.
2. **A JSON body that does not parse** is withheld whole: only its size is shown. (VMware's Go CLI
   sends ``{"password": "Secr"etPassword123"}`` unescaped; redacting "the value after the key"
   of text that is not JSON would stop at the first quote.)
3. **The credential endpoints** (the token endpoint, the system login, the OpenID Connect
   endpoints) show a member or parameter only when it is named in
   :data:`SHOWN_ON_CREDENTIAL_PATHS`, holds a plain value, and comes *before* the first secret one
   (the first occurrence of a name, if it repeats); the first secret shows as ``***`` and every
   other member is withheld, name and value. A password that is not escaped can split its JSON
   string or form field into pieces, but every piece comes after the password's own name, so no
   piece is ever shown.
4. **Everywhere else**, a JSON member or a form/query parameter whose name contains ``password``,
   ``secret`` or ``token`` (any case) is ``***``; when such a parameter is present in a query
   string or form body, parameters of no known name are withheld too (the pieces of a value sent
   without percent-encoding).

Pure: imports only the standard library and the vendor's paths (:mod:`.paths`).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl, urlencode

from mockscim.dialect.paths import AUTHORIZE_PATH, KEYS_PATH, LOGIN_SUFFIX, TOKEN_SUFFIX

__all__ = [
    "REDACTED",
    "SHOWN_ON_CREDENTIAL_PATHS",
    "is_credential_path",
    "is_secret_name",
    "redact_body",
    "redact_credentials",
    "redact_headers",
    "redact_json",
    "redact_query",
]

REDACTED = "***"
_SECRET_WORDS = ("password", "secret", "token", "code_verifier", "assertion")
#: Paths (their ends) whose requests carry credentials: rule 3.
CREDENTIAL_PATHS = (TOKEN_SUFFIX, LOGIN_SUFFIX, AUTHORIZE_PATH, KEYS_PATH)
#: What rule 3 shows (lower case): who and what was asked for, never a credential.
SHOWN_ON_CREDENTIAL_PATHS = frozenset(
    {
        "grant_type",
        "username",
        "domain",
        "issuetoken",
        "scope",
        "client_id",
        "redirect_uri",
        "response_type",
        "state",
        "nonce",
        "code_challenge_method",
        "login_hint",
        "prompt",
        "attribute",
        "format",
    }
)
#: Query and form parameters shown beside a secret one (rule 4): the vendor's own names.
_KNOWN_PARAMETERS = SHOWN_ON_CREDENTIAL_PATHS | frozenset(
    {
        "filter",
        "attributes",
        "excludedattributes",
        "startindex",
        "count",
        "sortby",
        "sortorder",
        "sendmail",
        "customschemaextensiontypes",
        "directoryuuid",
    }
)
_HIDDEN_HEADERS = frozenset({"authorization", "x-mockscim-control-token", "cookie"})
_WITHHELD_JSON = "<{} bytes that are not JSON: withheld, they may hold a secret>"


def is_secret_name(name: object) -> bool:
    low = str(name).lower()
    return any(word in low for word in _SECRET_WORDS)


def is_credential_path(path: str) -> bool:
    return path.rstrip("/").endswith(CREDENTIAL_PATHS)


def redact_json(value: Any) -> Any:
    """``value`` with every member whose name is secret ``***`` (rule 4)."""
    if isinstance(value, dict):
        return {k: REDACTED if is_secret_name(k) else redact_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [redact_json(item) for item in value]
    return value


def redact_credentials(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """Rule 3 over the members (or parameters) of a credential request, in the order sent."""
    out: dict[str, Any] = {}
    withheld = 0
    secret_seen = False
    for key, value in pairs:
        name = str(key)
        if is_secret_name(name):
            if secret_seen:
                withheld += 1
            else:
                out[name] = REDACTED
            secret_seen = True
        elif (
            secret_seen
            or name.lower() not in SHOWN_ON_CREDENTIAL_PATHS
            or name in out
            or isinstance(value, list | tuple | dict)
        ):
            withheld += 1
        else:
            out[name] = value
    if withheld:
        out[REDACTED] = f"{withheld} withheld"
    return out


def redact_query(query: str, *, credentials: bool = False) -> str:
    """A query string or form body with secrets ``***`` (rule 3 with ``credentials``, else 4)."""
    if not query:
        return ""
    pairs = parse_qsl(query, keep_blank_values=True)
    if credentials:
        return urlencode(list(redact_credentials(list(pairs)).items()))
    secret = any(is_secret_name(key) for key, _ in pairs)
    kept: list[tuple[str, str]] = []
    withheld = 0
    for key, value in pairs:
        if is_secret_name(key):
            kept.append((key, REDACTED))
        elif secret and key.lower() not in _KNOWN_PARAMETERS:
            withheld += 1
        else:
            kept.append((key, value))
    if withheld:
        kept.append((REDACTED, f"{withheld} withheld"))
    return urlencode(kept)


def redact_headers(headers: dict[str, str]) -> dict[str, str]:
    """Credentials in headers keep their scheme only (rule 1)."""
    out = {}
    for name, value in headers.items():
        if name.lower() in _HIDDEN_HEADERS:
            scheme, _, rest = value.partition(" ")
            value = f"{scheme} {REDACTED}" if rest else REDACTED
        out[name] = value
    return out


def redact_body(raw: bytes, content_type: str, path: str, *, request: bool = True) -> Any:
    """A request (or response) body as it may be shown: parsed JSON, a form, or a placeholder.

    Rule 3 applies to requests only: a response of the token endpoint shows its ``token_type``
    and ``expires_in`` and hides its tokens by rule 4.
    """
    if not raw:
        return None
    credentials = request and is_credential_path(path)
    text = raw.decode("utf-8", "replace")
    looks_like_form = not text.lstrip().startswith(("{", "[", '"')) and "=" in text
    if "x-www-form-urlencoded" in content_type or (credentials and looks_like_form):
        return redact_query(text, credentials=credentials)
    try:
        if credentials:
            # Members in the order sent, repeats kept: rule 3 needs both.
            pairs = json.loads(text, object_pairs_hook=_Members)
            if not isinstance(pairs, _Members):
                return _WITHHELD_JSON.format(len(raw))
            return redact_credentials(pairs)
        return redact_json(json.loads(text))
    except (ValueError, RecursionError):
        return _WITHHELD_JSON.format(len(raw))


class _Members(list[tuple[str, Any]]):
    """A JSON object read as its members, in order (``json.loads``'s ``object_pairs_hook``)."""

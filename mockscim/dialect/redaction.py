"""What never leaves mockscim: passwords, client secrets and tokens, in any form a client sends.

The journal, the control API, failure reports, strict mode's messages and the access log all show
requests through these functions. Everything else shows as sent: ``docs/control-api.md`` ("What
the journal hides") lists the names for users.

**Secret names** (:func:`is_secret_name`), compared by their words, so that ``client_secret``,
``clientSecret``, ``Client-Secret`` and ``CLIENT_SECRET`` are one name and a URN or dotted prefix
does not matter:

* a name whose last word is one of :data:`SECRET_WORDS` (``password``, ``newPassword``,
  ``client_secret``, ``sessionToken``, ``refresh_token``, ``code_verifier``,
  ``client_assertion`` ...), except the switches in :data:`NOT_SECRET` (``issueToken``);
* a name of :data:`SECRET_NAMES` (``id_token_hint``, ``api_key`` ...);
* ``code`` on the credential endpoints only (the authorization code): elsewhere it is the vendor
  envelope's error code.

So ``token_type``, ``token_endpoint``, ``code_challenge``, ``code_challenge_method`` and
``accessTokenTTL`` show. The rules, each chosen so that it cannot leak whatever the client got
wrong:

1. **Headers**: ``Authorization``, ``Proxy-Authorization``, the control token and any header
   with a secret name keep their scheme only, one of :data:`SCHEMES` (``Bearer ***``); a
   ``Cookie`` keeps its cookies' names (``HZN=***``).
2. **A JSON body that does not parse** is withheld whole: only its size is shown. (VMware's Go CLI
   sends ``{"password": "Secr"etPassword123"}`` unescaped; redacting "the value after the key"
   of text that is not JSON would stop at the first quote.)
3. **The credential endpoints** (the token endpoint, the system login, the OpenID Connect
   endpoints) show a member or parameter only when it is a secret (as ``***``) or is named in
   :data:`SHOWN_ON_CREDENTIAL_PATHS` and holds a plain value, and only while no password or
   other secret a person chose (:func:`splits`) has come before it: every member after such a
   secret is withheld, name and value. A password that is not escaped can split its JSON string
   or form field into pieces, but every piece comes after the password's own name, so no piece
   is ever shown. The tokens and codes a tenant issues are URL-safe (JWTs, random URL-safe
   text) and so is a code verifier (RFC 7636 section 4.1): sent back as received they cannot
   split, and what follows them still shows.
4. **Everywhere else** a member or parameter with a secret name is ``***``, at any depth of a
   JSON body (its whole value: an object, a list); so is the ``value`` of an object whose
   ``path`` or ``name`` is a secret name (a SCIM 2.0 PATCH operation sent by mistake), and a
   secret parameter in the query of a URL-valued member (``firstLoginUrl``'s ``token``). When a
   query string or form holds a password or secret, parameters of no known name are withheld too
   (the pieces of a value sent without percent-encoding).

A form body (``application/x-www-form-urlencoded``) shows as an object of its fields, a field
sent more than once as a list of its values; a field withheld is counted under ``"***"``.

Pure: imports only the standard library and the vendor's paths (:mod:`.paths`).
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qsl, urlencode

from mockscim.dialect.paths import (
    API_TOKEN_SUFFIX,
    AUTHORIZE_PATH,
    KEYS_PATH,
    LOGIN_SUFFIX,
    TOKEN_SUFFIX,
)

__all__ = [
    "CREDENTIAL_PATHS",
    "NOT_SECRET",
    "REDACTED",
    "SCHEMES",
    "SECRET_HEADERS",
    "SECRET_NAMES",
    "SECRET_WORDS",
    "SHOWN_ON_CREDENTIAL_PATHS",
    "is_credential_path",
    "is_secret_name",
    "redact_body",
    "redact_credentials",
    "redact_form",
    "redact_headers",
    "redact_json",
    "redact_query",
    "secret_free_json",
    "secret_free_pairs",
    "splits",
]

REDACTED = "***"
#: A name whose last word is one of these is secret (``newPassword``, ``X-Auth-Token``).
SECRET_WORDS = frozenset(
    {"password", "passwd", "passcode", "passphrase", "secret", "token", "assertion", "verifier"}
)
#: Secret names whose last word says nothing (compared as :func:`_words` joins them).
SECRET_NAMES = frozenset(
    {"id_token_hint", "api_key", "x_api_key", "apikey", "private_key", "privatekey", "otp", "pin"}
)
#: Names that end in a secret word and hold none: the system login's switch ``issueToken``.
NOT_SECRET = frozenset({"issue_token"})
#: The words of a secret a person chooses, which a client may send unescaped (rule 3).
_SPLITTING_WORDS = frozenset({"password", "passwd", "passcode", "passphrase", "secret"})
#: Request headers that hold credentials whatever their name says (rule 1); lower case.
SECRET_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "cookie", "x-mockscim-control-token"}
)
#: Authorization schemes a header keeps (lower case): anything else might be a secret.
SCHEMES = frozenset(
    {"bearer", "hzn", "basic", "digest", "token", "negotiate", "ntlm", "oauth", "dpop", "jwt"}
)
#: Paths (their ends) whose requests carry credentials: rule 3.
CREDENTIAL_PATHS = (TOKEN_SUFFIX, API_TOKEN_SUFFIX, LOGIN_SUFFIX, AUTHORIZE_PATH, KEYS_PATH)
#: What rule 3 shows besides the secrets (lower case): who and what was asked for.
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
        "response_mode",
        "state",
        "nonce",
        "code_challenge",
        "code_challenge_method",
        "client_assertion_type",
        "token_type_hint",
        "login_hint",
        "prompt",
        "max_age",
        "ui_locales",
        "acr_values",
        "display",
        "attribute",
        "format",
        "tenant",
    }
)
#: Query and form parameters shown beside a password or secret (rule 4): the vendor's own names.
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
#: A string member whose last word is one of these holds a URL: its query's secrets are masked.
_URL_WORDS = frozenset({"url", "uri", "link", "href", "location"})
_WITHHELD_JSON = "<{} bytes that are not JSON: withheld, they may hold a secret>"
_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")
_FORM = "application/x-www-form-urlencoded"


def _words(name: object) -> tuple[str, ...]:
    """The words of a name, lower case: ``accessTokenTTL`` -> access, token, ttl. A URN or a
    dotted path counts by its last part (``urn:...:core:1.0:password``, ``name.password``);
    digits at the end do not count (``password2``)."""
    text = str(name).rsplit(":", 1)[-1].rsplit(".", 1)[-1]
    words = [w.lower() for w in _WORD.findall(text)]
    while words and words[-1].isdigit():
        words.pop()
    return tuple(words)


def is_secret_name(name: object, *, credentials: bool = False) -> bool:
    """Is a member, parameter or header of this name a secret? ``credentials``: on a credential
    endpoint, where ``code`` is the authorization code."""
    words = _words(name)
    if not words:
        return False
    joined = "_".join(words)
    if joined in NOT_SECRET:
        return False
    if words[-1] in SECRET_WORDS or joined in SECRET_NAMES:
        return True
    return credentials and joined == "code"


def splits(name: object) -> bool:
    """Is this a secret a person chooses (a password, a client secret), which a client may send
    without escaping it, split into pieces that follow its name (rule 3)?"""
    words = _words(name)
    return bool(words) and words[-1] in _SPLITTING_WORDS


def is_credential_path(path: str) -> bool:
    return path.rstrip("/").endswith(CREDENTIAL_PATHS)


def redact_json(value: Any) -> Any:
    """``value`` with every secret ``***`` (rule 4): members with a secret name, at any depth;
    the ``value`` of an operation whose ``path`` or ``name`` is secret; URL members' secret
    query parameters."""
    if isinstance(value, dict):
        names_secret = any(
            str(k).lower() in ("path", "name") and isinstance(v, str) and is_secret_name(v)
            for k, v in value.items()
        )
        out: dict[Any, Any] = {}
        for key, item in value.items():
            if is_secret_name(key) or (names_secret and str(key).lower() == "value"):
                out[key] = REDACTED
            elif isinstance(item, str) and "?" in item and _holds_url(key):
                out[key] = _redact_url(item)
            else:
                out[key] = redact_json(item)
        return out
    if isinstance(value, list):
        return [redact_json(item) for item in value]
    return value


def _holds_url(name: object) -> bool:
    words = _words(name)
    return bool(words) and words[-1] in _URL_WORDS


def _redact_url(url: str) -> str:
    """A URL with the secret parameters of its query and fragment ``***`` (``...?token=***``);
    as it is when it has none."""
    base, _, rest = url.partition("?")
    query, hash_mark, fragment = rest.partition("#")
    shown = [redact_query(part) if _has_secret(part) else part for part in (query, fragment)]
    return f"{base}?{shown[0]}{hash_mark}{shown[1]}"


def _has_secret(query: str) -> bool:
    return any(is_secret_name(key) for key, _ in parse_qsl(query, keep_blank_values=True))


def _add(out: dict[str, Any], name: str, value: Any) -> None:
    """A field into a form's object: a second value makes it a list."""
    if name not in out:
        out[name] = value
    elif isinstance(out[name], list):
        out[name].append(value)
    else:
        out[name] = [out[name], value]


def redact_credentials(pairs: list[tuple[str, Any]], *, form: bool = False) -> dict[str, Any]:
    """Rule 3 over the members (or parameters) of a credential request, in the order sent.

    ``form``: a form's repeated field becomes a list; a JSON member repeated (which a JSON
    reader takes the last of) is withheld after its first."""
    out: dict[str, Any] = {}
    withheld = 0
    cut = False
    for key, value in pairs:
        name = str(key)
        if cut:
            withheld += 1
        elif is_secret_name(name, credentials=True):
            if name in out and not form:
                withheld += 1
            else:
                _add(out, name, REDACTED)
            cut = splits(name)
        elif (
            name.lower() not in SHOWN_ON_CREDENTIAL_PATHS
            or (name in out and not form)
            or isinstance(value, list | tuple | dict)
        ):
            withheld += 1
        else:
            _add(out, name, value)
    if withheld:
        out[REDACTED] = f"{withheld} withheld"
    return out


def _redact_pairs(pairs: list[tuple[str, str]]) -> tuple[list[tuple[str, str]], int]:
    """Rule 4 over parameters: secrets ``***``; beside a password or secret, parameters of no
    known name withheld (counted)."""
    cut = any(splits(key) for key, _ in pairs)
    kept: list[tuple[str, str]] = []
    withheld = 0
    for key, value in pairs:
        if is_secret_name(key):
            kept.append((key, REDACTED))
        elif cut and key.lower() not in _KNOWN_PARAMETERS:
            withheld += 1
        else:
            kept.append((key, value))
    return kept, withheld


def redact_form(text: str, *, credentials: bool = False) -> dict[str, Any]:
    """A form body as an object of its fields (a repeated field: a list of its values), secrets
    ``***`` (rule 3 with ``credentials``, else 4); a withheld count under ``"***"``."""
    pairs = parse_qsl(text, keep_blank_values=True)
    if credentials:
        return redact_credentials(list(pairs), form=True)
    kept, withheld = _redact_pairs(pairs)
    out: dict[str, Any] = {}
    for key, value in kept:
        _add(out, key, value)
    if withheld:
        out[REDACTED] = f"{withheld} withheld"
    return out


def redact_query(query: str, *, credentials: bool = False) -> str:
    """A query string with secrets ``***`` (rule 3 with ``credentials``, else 4), re-encoded."""
    if not query:
        return ""
    pairs = parse_qsl(query, keep_blank_values=True)
    if credentials:
        shown = redact_credentials(list(pairs), form=True)
        flat = [
            (key, item)
            for key, value in shown.items()
            for item in (value if isinstance(value, list) else [value])
        ]
        return urlencode(flat, safe="*")
    kept, withheld = _redact_pairs(pairs)
    if withheld:
        kept.append((REDACTED, f"{withheld} withheld"))
    return urlencode(kept, safe="*")


def redact_headers(headers: dict[str, str]) -> dict[str, str]:
    """Credentials in headers keep their scheme only, when it is a known one (rule 1): a value
    sent without one may be a token with a space in it. A cookie keeps its names."""
    out = {}
    for name, value in headers.items():
        low = name.lower()
        if low == "cookie":
            names = [part.partition("=")[0].strip() for part in value.split(";") if "=" in part]
            value = "; ".join(f"{cookie}={REDACTED}" for cookie in names) or REDACTED
        elif low in SECRET_HEADERS or is_secret_name(name):
            scheme, _, rest = value.strip().partition(" ")
            value = f"{scheme} {REDACTED}" if rest and scheme.lower() in SCHEMES else REDACTED
        out[name] = value
    return out


def redact_body(raw: bytes, content_type: str, path: str, *, request: bool = True) -> Any:
    """A request (or response) body as it may be shown: parsed JSON, a form as an object of its
    fields, or a placeholder.

    Rule 3 applies to requests only: a response of the token endpoint shows its ``token_type``
    and ``expires_in`` and hides its tokens by rule 4.
    """
    if not raw:
        return None
    credentials = request and is_credential_path(path)
    text = raw.decode("utf-8", "replace")
    looks_like_form = not text.lstrip().startswith(("{", "[", '"')) and "=" in text
    if _FORM in content_type.lower() or (credentials and looks_like_form):
        return redact_form(text, credentials=credentials)
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


# --- what a recorded stub may match on: what redaction leaves as it is -----------------------


def secret_free_pairs(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The parameters rule 4 shows as they are: a secret one, and one withheld beside a password,
    left out (not masked: a stub that matched ``***`` could never match the request again)."""
    kept, _ = _redact_pairs(pairs)
    return [(key, value) for key, value in kept if not is_secret_name(key)]


def secret_free_json(value: Any) -> Any:
    """``value`` with every member :func:`redact_json` would change left out, at any depth (a
    list keeps its length: a stub's list matches item by item)."""
    return _as_shown(value, redact_json(value))


def _as_shown(value: Any, shown: Any) -> Any:
    if isinstance(value, dict) and isinstance(shown, dict):
        return {
            key: _as_shown(item, shown[key])
            for key, item in value.items()
            if shown[key] == item
            or (isinstance(item, dict | list) and type(shown[key]) is type(item))
        }
    if isinstance(value, list) and isinstance(shown, list):
        return [_as_shown(item, seen) for item, seen in zip(value, shown, strict=True)]
    return value

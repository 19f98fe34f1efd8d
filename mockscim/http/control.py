"""The control API under ``/_mockscim``: drive the tenant from a test or a script over HTTP.

Never mixed up with the emulated API: its own prefix (the vendor's paths all start with /SAAS),
its own blueprint, and neither scenarios nor the journal see its requests. Safe by default: it
answers loopback clients only unless ``allow_remote`` is set, and with a ``token`` every call
needs ``X-Mockscim-Control-Token``.

    POST   /_mockscim/reset                 a fresh tenant from the fixtures (204)
    POST   /_mockscim/users                 add users in the fixture format (201)
    GET    /_mockscim/scenarios[?unused=true]
    POST   /_mockscim/scenarios             add one, a list, or {"scenarios": [...]} (201)
    DELETE /_mockscim/scenarios[/<id>]      clear all, or one (204)
    GET    /_mockscim/clock                 {"now", "frozen"}
    POST   /_mockscim/clock                 {"now": "<ISO 8601>" | null} or {"advance": seconds}
    GET    /_mockscim/journal               {"entries": [...]}, oldest first
    GET    /_mockscim/findings              strict mode: what is wrong with the requests made
    DELETE /_mockscim/journal               (204)
"""

from __future__ import annotations

import hmac
import ipaddress
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, Response, current_app, request

from mockscim.dialect.errors import ControlInvalid, ControlRefused, ScenarioNotFound, UsersInvalid
from mockscim.dialect.render import render
from mockscim.http.context import NO_BODY, json_response, read_json, tenant
from mockscim.http.scim import resource_url
from mockscim.tenant.clients import Clients
from mockscim.tenant.clock import format_timestamp, parse_timestamp
from mockscim.tenant.fixtures import FixtureError

__all__ = [
    "CONTROL_PREFIX",
    "NEEDS_TOKEN",
    "TOKEN_HEADER",
    "ControlSettings",
    "control",
    "guard",
    "settings",
    "token_matches",
]

CONTROL_PREFIX = "/_mockscim"
TOKEN_HEADER = "X-Mockscim-Control-Token"
#: The message of the refusal that a control token would lift.
NEEDS_TOKEN = f"The control API needs the {TOKEN_HEADER} header"


@dataclass(frozen=True)
class ControlSettings:
    enabled: bool = True
    #: Answer clients that are not on loopback too (off by default).
    allow_remote: bool = False
    #: When set, every control call needs ``X-Mockscim-Control-Token: <token>``.
    token: str | None = None


control = Blueprint("control", __name__)


def settings() -> ControlSettings:
    found: ControlSettings = current_app.extensions["mockscim.control"]
    return found


def _loopback(address: str | None) -> bool:
    try:
        return address is not None and ipaddress.ip_address(address.split("%")[0]).is_loopback
    except ValueError:
        return False


_LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1", "[::1]"})


def _loopback_host(host: str) -> bool:
    """``localhost`` (and ``<tenant>.localhost``, RFC 6761), ``127.x.y.z`` or ``[::1]``, with
    or without a port."""
    name = host.strip().lower()
    if name.startswith("["):
        name = name[: name.find("]") + 1]
    elif name.count(":") == 1:
        name = name.partition(":")[0]
    return name in _LOOPBACK_NAMES or name.endswith(".localhost") or _loopback(name.strip("[]"))


def _same_origin(origin: str) -> bool:
    scheme, _, rest = origin.partition("://")
    return scheme in ("http", "https") and _loopback_host(rest.rstrip("/"))


def token_matches(given: str) -> bool:
    """Is ``given`` the control token? (Constant time; True when no token is set.)"""
    expected = settings().token
    return expected is None or hmac.compare_digest(given.encode(), expected.encode())


def guard(*, token: str | None = None) -> None:
    """Refuse what the control API refuses: a client that is not on loopback, a request a web page
    could send (a foreign ``Origin``, a rebound ``Host``), a missing or wrong control token.

    Every surface that drives or shows the tenant calls this (the control API, the dashboard).
    ``token`` is a control token the caller found elsewhere than in the header (the dashboard's
    cookie); the header wins when both are there. The refusal is a
    :class:`~mockscim.dialect.errors.ControlRefused` (the JSON envelope); the dashboard answers a
    browser's with a page instead (:mod:`mockscim.http.browser`).
    """
    current = settings()
    if not current.allow_remote:
        if not _loopback(request.remote_addr):
            raise ControlRefused(
                f"{request.remote_addr} is not loopback",
                message="The control API answers loopback clients only",
            )
        # A web page in the developer's browser can reach 127.0.0.1 too: by a cross-site request
        # (it sends an Origin) or by DNS rebinding (its Host is the attacker's name).
        origin = request.headers.get("Origin")
        if (origin is not None and not _same_origin(origin)) or not _loopback_host(request.host):
            raise ControlRefused(
                f"origin {origin!r}, host {request.host!r}",
                message="The control API answers loopback clients only",
            )
    if current.token is not None:
        given = request.headers.get(TOKEN_HEADER) or token or ""
        if not token_matches(given):
            raise ControlRefused(
                f"missing or wrong {TOKEN_HEADER}",
                message=NEEDS_TOKEN,
            )


@control.before_request
def _guard() -> None:
    guard()


def _body(default: Any = None) -> Any:
    body = read_json(ControlInvalid)
    return default if body is NO_BODY else body


def reset() -> Response:
    tenant().reset()
    return Response(status=204)


def add_users() -> Response:
    body = _body([])
    records: Any = body.get("users") if isinstance(body, dict) else body
    try:
        stored = tenant().load_users(records)
    except FixtureError as exc:
        raise UsersInvalid(str(exc), message=f"The users are invalid: {exc}") from exc
    users_url = resource_url("Users")
    return json_response({"users": [render(u, users_url) for u in stored]}, 201)


def list_clients() -> Response:
    """The tenant's OAuth clients as it holds them, secrets included (the control API is the
    test's, on loopback): the fixtures' and those the client API or a device activation added."""
    return json_response({"clients": Clients(tenant().oauth).list()})


def list_scenarios() -> Response:
    scenarios = tenant().scenarios
    unused = request.args.get("unused", "").lower() in ("1", "true", "yes")
    return json_response({"scenarios": scenarios.unused() if unused else scenarios.all()})


def add_scenarios() -> Response:
    added = tenant().scenarios.add_all(_body())
    return json_response({"scenarios": [s.describe() for s in added]}, 201)


def clear_scenarios() -> Response:
    tenant().scenarios.clear()
    return Response(status=204)


def remove_scenario(sid: str) -> Response:
    if not tenant().scenarios.remove(sid):
        raise ScenarioNotFound(f"no scenario {sid!r}")
    return Response(status=204)


def _clock_state() -> dict[str, Any]:
    clock = tenant().clock
    return {"now": format_timestamp(clock.now()), "frozen": clock.frozen_at is not None}


def get_clock() -> Response:
    return json_response(_clock_state())


#: Bounds that keep the clock's arithmetic in range (datetime ends at year 9999).
MAX_ADVANCE_SECONDS = 100 * 366 * 24 * 3600
MAX_YEAR = 9000


def set_clock() -> Response:
    body = _body()
    if not isinstance(body, dict) or not ({"now", "advance"} & set(body)):
        raise ControlInvalid("expected {'now': ISO 8601 or null} or {'advance': seconds}")
    # Check everything before changing anything: a 400 leaves the clock as it was.
    instant = None
    if "now" in body and body["now"] is not None:
        if not isinstance(body["now"], str):
            raise ControlInvalid("'now' must be an ISO 8601 string or null")
        try:
            instant = parse_timestamp(body["now"])
        except ValueError as exc:
            raise ControlInvalid(f"'now' is not ISO 8601: {body['now']!r}") from exc
        if not 1970 <= instant.year <= MAX_YEAR:
            raise ControlInvalid(f"'now' must lie between 1970 and {MAX_YEAR}")
    seconds = body.get("advance", 0)
    if (
        isinstance(seconds, bool)
        or not isinstance(seconds, int | float)
        or not 0 <= seconds <= MAX_ADVANCE_SECONDS
    ):
        raise ControlInvalid(f"'advance' must be a number of seconds, 0 to {MAX_ADVANCE_SECONDS}")
    clock = tenant().clock
    if "now" not in body:
        start = clock.now()
    else:
        start = instant if instant is not None else datetime.now(UTC)
    if start.year >= MAX_YEAR and seconds:
        raise ControlInvalid(f"the clock cannot move past the year {MAX_YEAR}")
    if "now" in body:
        clock.set(instant)
    if seconds:
        clock.advance(float(seconds))
    return json_response(_clock_state())


def get_journal() -> Response:
    return json_response({"entries": [e.to_dict() for e in tenant().journal.entries()]})


def get_findings() -> Response:
    """Strict mode's findings, one per problem, with the request that had it."""
    out = []
    for entry in tenant().journal.entries():
        for finding in entry.findings:
            out.append({"seq": entry.seq, "method": entry.method, "path": entry.path, **finding})
    return json_response({"strict": tenant().strict, "findings": out})


def clear_journal() -> Response:
    tenant().journal.clear()
    return Response(status=204)

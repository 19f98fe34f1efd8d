"""``mockscim proxy --record DIR``: a proxied session written as a fixtures directory that
``mockscim serve --fixtures DIR`` replays (``docs/proxy.md``).

Two parts, written when the proxy stops (:meth:`Recorder.write`):

* the users and groups the traffic touched, as the tenant last answered them (a record read,
  listed, created or changed; one the tenant deleted is left out; an answer cut to some
  ``attributes`` does not replace a whole one), made into fixtures by
  ``mockscim snapshot``'s own steps (:func:`mockscim.realtenant.snapshot.build`, then
  :func:`~mockscim.realtenant.snapshot.write`, which loads the files back before it keeps them);
  the emulated calls (users, groups) are answered from these;
* ``stubs.json`` in DIR, ``{"stubs": [...]}``: a stub for each exchange with a path mockscim does
  not emulate, in the stub shape that ``mockscim serve`` loads from a fixtures directory (``name``, ``request``: ``method``,
  ``path``, ``query``, ``headers``, ``json``; ``response``: ``status``, ``headers``, ``json`` or
  ``body``, ``delay_ms``; ``times``, ``priority``, ``override``). The same request answered more
  than once is a stub per answer, in order: each but the last answers once (``times: 1``), the
  earlier first (a higher ``priority``), and the last one answers from then on.

Secrets are always masked, as the journal masks them (:mod:`mockscim.dialect.redaction`): the
request's headers are not kept (a stub matches any), its secret query parameters and JSON
members are left out of what the stub matches (the replayed request carries its own), the
answer's JSON body has its secret members ``***``, a body that is not JSON is kept only when it is text and not
the answer of a credential endpoint. With ``--redact``, people are pseudonymised as
``snapshot --redact`` does (:mod:`.redact`), and each value it replaced is replaced the same way
in the stubs, so that both tell one story.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from flask import Flask
from werkzeug.exceptions import HTTPException

from mockscim.dialect.paths import SCIM_BASE
from mockscim.dialect.redaction import (
    REDACTED,
    is_credential_path,
    redact_json,
    secret_free_json,
    secret_free_pairs,
)
from mockscim.http.context import split_tenant
from mockscim.http.operations import TENANT_ROOTS
from mockscim.realtenant.proxy import Exchange
from mockscim.realtenant.snapshot import Options, Raw, Snapshot, build, write

__all__ = ["STUBS_FILE", "Recorder", "stub_name", "stub_of"]

STUBS_FILE = "stubs.json"
_KEPT_HEADERS = ("content-type", "location", "etag", "retry-after")
_TEXT = ("text/", "application/xml", "application/yaml")
Resource = dict[str, Any]


def _json(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        return None


def stub_name(number: int, method: str, path: str) -> str:
    """A name the stubs loader takes (letters, digits, ``._~-``, at most 100): the exchange's
    place, its method and its path, e.g. ``0007-GET-acs-rulesets``."""
    slug = re.sub(r"[^A-Za-z0-9._~-]+", "-", path).strip("-")
    return f"{number:04d}-{method}-{slug}"[:100].rstrip("-")


def stub_of(exchange: Exchange, number: int) -> dict[str, Any]:
    """The stub of one exchange, secrets masked (``number``: its place in the session)."""
    pairs = parse_qsl(exchange.query, keep_blank_values=True)
    query = dict(secret_free_pairs(pairs))  # secrets left out: a replay carries its own
    request: dict[str, Any] = {
        "method": exchange.method,
        "path": exchange.path,
        "query": query,
        "headers": {},
    }
    sent = _json(exchange.body) if exchange.body else None
    if sent is not None:
        request["json"] = secret_free_json(sent)
    headers = {k: v for k, v in exchange.reply_headers if k.lower() in _KEPT_HEADERS}
    response: dict[str, Any] = {"status": exchange.status, "headers": headers, "delay_ms": 0}
    body = exchange.reply_body
    if body:
        parsed = _json(body) if "json" in exchange.media_type else None
        if parsed is not None:
            response["json"] = redact_json(parsed)
        elif exchange.media_type.startswith(_TEXT) and not is_credential_path(exchange.path):
            response["body"] = body.decode("utf-8", "replace")
        else:
            response["body"] = REDACTED
    return {
        "name": stub_name(number, exchange.method, exchange.path),
        "request": request,
        "response": response,
        "times": None,
        "priority": 0,
        "override": False,
    }


@dataclass
class Recorder:
    """What a proxied session touched, written to ``out`` when asked."""

    out: Path
    local_app: Flask
    redact: bool = False
    users: dict[str, Resource] = field(default_factory=dict)
    groups: dict[str, Resource] = field(default_factory=dict)
    roles: dict[str, Resource] = field(default_factory=dict)
    stubs: list[dict[str, Any]] = field(default_factory=list)
    count: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def emulated(self, exchange: Exchange) -> bool:
        plain, _ = split_tenant(exchange.path, TENANT_ROOTS)
        try:
            self.local_app.url_map.bind("record").match(plain, exchange.method)
        except HTTPException as exc:
            return exc.code == 405  # a path mockscim serves, with another method
        return True

    def __call__(self, exchange: Exchange) -> None:
        with self._lock:
            self.count += 1
            if not self.emulated(exchange):
                self.stubs.append(stub_of(exchange, self.count))
                return
            self._touch(exchange)

    def _touch(self, exchange: Exchange) -> None:
        plain, _ = split_tenant(exchange.path, TENANT_ROOTS)
        rest = plain.removeprefix(SCIM_BASE)
        kind = rest.strip("/").split("/")[0]
        table = {"Users": self.users, "Groups": self.groups, "Roles": self.roles}.get(kind)
        if table is None or not 200 <= exchange.status < 300:
            return
        parts = rest.strip("/").split("/")
        if exchange.method == "DELETE" and len(parts) == 2:
            table.pop(parts[1], None)
            return
        body = _json(exchange.reply_body) if exchange.reply_body else None
        if not isinstance(body, dict):
            return
        listed = body.get("Resources")
        found: list[Any] = listed if isinstance(listed, list) else [body]
        # an answer cut to some attributes (?attributes=) never replaces a whole record
        partial = "attributes" in dict(parse_qsl(exchange.query, keep_blank_values=True))
        for record in found:
            whole = isinstance(record, dict) and isinstance(record.get("id"), str)
            if whole and (not partial or record["id"] not in table):
                table[record["id"]] = record

    def raw(self) -> Raw:
        """What the tenant answered, with the groups and roles its users name that the traffic
        did not read: each as far as the users say (id, name, and these users as members), so
        that a replayed user names them as the tenant did."""
        containers = {"groups": dict(self.groups), "roles": dict(self.roles)}
        for uid, user in self.users.items():
            for member, table in containers.items():
                named = user.get(member)
                for ref in named if isinstance(named, list) else []:
                    if not isinstance(ref, dict) or not isinstance(ref.get("value"), str):
                        continue
                    if ref["value"] in getattr(self, member):
                        continue  # the tenant's own record: its members as it said
                    record = table.setdefault(
                        ref["value"],
                        {"id": ref["value"], "displayName": ref.get("display"), "members": []},
                    )
                    record["members"].append({"value": uid})
        return Raw(
            users=list(self.users.values()),
            groups=list(containers["groups"].values()),
            roles=list(containers["roles"].values()),
        )

    def snapshot(self) -> Snapshot:
        return build(self.raw(), Options(redact=self.redact))

    def _pseudonyms(self, shown: Snapshot) -> dict[str, str]:
        """Each value ``--redact`` replaced -> what it became (the same record, the same place)."""
        if not self.redact:
            return {}
        plain = build(self.raw(), Options())
        before = {u["id"]: u for u in plain.files.get("users", [])}
        out: dict[str, str] = {}

        def walk(old: Any, new: Any) -> None:
            if isinstance(old, str) and isinstance(new, str) and old != new:
                out[old] = new
            elif isinstance(old, dict) and isinstance(new, dict):
                for key in old.keys() & new.keys():
                    walk(old[key], new[key])
            elif isinstance(old, list) and isinstance(new, list):
                for a, b in zip(old, new, strict=False):
                    walk(a, b)

        for user in shown.files.get("users", []):
            if user.get("id") in before:
                walk(before[user["id"]], user)
        return out

    def write(self) -> list[str]:
        """The fixtures directory and its stubs file; a line of what was written."""
        with self._lock:
            shown = self.snapshot()
            names = self._pseudonyms(shown)
            write(self.out, shown)
            stubs = [_replaced(stub, names) for stub in self.stubs]
        _order(stubs)
        text = json.dumps({"stubs": stubs}, indent=2, ensure_ascii=False) + "\n"
        (self.out / STUBS_FILE).write_text(text, "utf-8")
        return [f"mockscim proxy --record: {self.out}: {shown.counts()}, {len(stubs)} stubs"]


def _replaced(value: Any, names: dict[str, str]) -> Any:
    if isinstance(value, str):
        if value in names:
            return names[value]
        for old in sorted((n for n in names if len(n) >= 4), key=len, reverse=True):
            value = value.replace(old, names[old])
        return value
    if isinstance(value, list):
        return [_replaced(v, names) for v in value]
    if isinstance(value, dict):
        return {k: _replaced(v, names) for k, v in value.items()}
    return value


def _order(stubs: list[dict[str, Any]]) -> None:
    """The same request answered more than once: each answer once, in order; the last for good."""
    seen: dict[str, list[dict[str, Any]]] = {}
    for stub in stubs:
        key = json.dumps(stub["request"], sort_keys=True)
        seen.setdefault(key, []).append(stub)
    for same in seen.values():
        for place, stub in enumerate(same):
            stub["times"] = None if place == len(same) - 1 else 1
            stub["priority"] = len(same) - 1 - place

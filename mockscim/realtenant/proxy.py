"""``mockscim proxy``: a local endpoint that forwards every request to a real tenant and keeps
mockscim's journal over the real traffic (``docs/proxy.md``).

:class:`Proxy` is WSGI middleware in front of a local mockscim app: what is under the control API
(``/_mockscim``: the journal, the findings, the dashboard, and ``/_mockscim/differences``) is the
local app's; everything else goes to the tenant, as the client sent it:

* the method, the path and the query string as received, the body's bytes, every end-to-end
  header (the client's credentials too); the hop-by-hop ones (RFC 9110, 7.6.1: ``Connection``
  and what it names, ``Keep-Alive``, ``Proxy-Connection``, ``TE``, ``Trailer``,
  ``Transfer-Encoding``, ``Upgrade``) are dropped both ways, ``Host`` is the tenant's, and
  ``Via`` says a proxy passed (RFC 9110, 7.6.3). The session adds nothing of its own: no
  default headers, no ``.netrc`` credentials, no environment proxy.
* TLS is verified (against ``--upstream-ca`` when given); redirects are passed back, not
  followed.
* The tenant's answer goes back as it came, errors too; a body the transport decoded
  (``Content-Encoding``) goes back decoded, with its length.
* The whole exchange has one deadline (``--upstream-timeout``, held by
  :mod:`mockscim.realtenant.watchdog`, not a per-read timeout): past it, a 504 in the vendor's
  envelope (:class:`~mockscim.dialect.errors.UpstreamTimeout`); a tenant that cannot be
  reached, or closes mid-answer, is a 502 (:class:`~mockscim.dialect.errors.UpstreamFailed`).
  Either way the journal entry carries a note.

Each exchange is one journal entry of the local tenant (but a body over the sandbox's limit,
a 413 never forwarded) (secrets are redacted when it is read,
as everywhere), with strict mode's findings on the request (:mod:`mockscim.dialect.findings`),
the contract's findings on the answer (:mod:`.contract_check`, kind "the tenant") and, with
``--shadow``, the differences from the emulated tenant's answer (:mod:`.shadow`); with
``--record``, the exchange is written too (:mod:`.record`).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import parse_qsl, quote, urlsplit

import requests
from flask import Flask
from urllib3.util import SKIP_HEADER
from werkzeug.exceptions import HTTPException

from mockscim.dialect.errors import PayloadTooLarge, ScimError, UpstreamFailed, UpstreamTimeout
from mockscim.dialect.findings import check_request
from mockscim.http.context import MAX_BODY, split_tenant
from mockscim.http.control import CONTROL_PREFIX
from mockscim.http.operations import STRICT_OPERATIONS, TENANT_ROOTS
from mockscim.http.sandbox import PROBE_PATH
from mockscim.realtenant.contract_check import check_answer
from mockscim.realtenant.watchdog import watched_session, watching
from mockscim.tenant import Tenant
from mockscim.tenant.journal import Entry

__all__ = ["HOP_BY_HOP", "LOCAL_PATHS", "Exchange", "Proxy", "Upstream", "Watcher"]

#: RFC 9110, 7.6.1 (with RFC 7230's Keep-Alive and the de facto Proxy-Connection).
HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding",
     "upgrade"}
)  # fmt: skip
_VIA = "1.1 mockscim-proxy"
#: Answered by the local app, never forwarded: the control API's root and the contract (which
#: is mockscim's, not a tenant's: the sandbox's readiness probe asks for it).
LOCAL_PATHS = frozenset({CONTROL_PREFIX, PROBE_PATH})


@dataclass(frozen=True)
class Upstream:
    """The tenant: its root (``https://host[:port][/prefix]``), whom to trust, the deadline."""

    url: str
    ca_file: str | None = None
    timeout: float = 30.0


@dataclass
class Exchange:
    """One proxied request and the tenant's answer, as the client sent and got them."""

    method: str
    path: str
    query: str
    headers: list[tuple[str, str]]
    body: bytes
    status: int = 0
    reason: str = ""
    reply_headers: list[tuple[str, str]] = field(default_factory=list)
    reply_body: bytes = b""
    #: Why the tenant's answer is mockscim's (a timeout, a closed connection), else None.
    note: str | None = None
    duration_ms: float = 0.0
    #: What the journal entry shows beside it; a watcher may add to it (the same list).
    findings: list[dict[str, str]] = field(default_factory=list)
    #: The journal entry's number.
    seq: int = 0

    def header(self, name: str, reply: bool = False) -> str | None:
        pairs = self.reply_headers if reply else self.headers
        return next((v for k, v in pairs if k.lower() == name.lower()), None)

    @property
    def media_type(self) -> str:
        return (self.header("Content-Type", reply=True) or "").split(";")[0].strip().lower()


class Watcher(Protocol):
    """What sees each exchange after the tenant answered (the shadow, the recorder)."""

    def __call__(self, exchange: Exchange) -> None: ...


def _end_to_end(pairs: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    pairs = list(pairs)
    named = {
        token.strip().lower()
        for key, value in pairs
        if key.lower() == "connection"
        for token in value.split(",")
    }
    return [(k, v) for k, v in pairs if k.lower() not in HOP_BY_HOP | named]


def _request_headers(environ: dict[str, Any]) -> list[tuple[str, str]]:
    out = []
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            name = key[5:].replace("_", "-").title()
            out.append((name, value))
        elif key in ("CONTENT_TYPE", "CONTENT_LENGTH") and value:
            out.append((key.replace("_", "-").title(), value))
    return out


def _raw_path(environ: dict[str, Any]) -> str:
    """The path as the client wrote it (``%2F`` stays ``%2F``): the server's raw request URI
    when it gives one (waitress, cheroot, werkzeug do), else the decoded path re-encoded."""
    raw = environ.get("REQUEST_URI") or environ.get("RAW_URI")
    if isinstance(raw, str) and raw:
        if not raw.startswith("/"):  # absolute form: a client that takes this for a proxy
            raw = urlsplit(raw).path or "/"
        return raw.partition("?")[0]
    return quote(environ.get("PATH_INFO", "").encode("latin-1"), safe="/:@!$&'()*+,;=-._~%")


def _read_body(environ: dict[str, Any]) -> bytes:
    """The request's body, at most :data:`~mockscim.http.context.MAX_BODY` bytes (the
    sandbox's limit): a longer one is a :class:`~mockscim.dialect.errors.PayloadTooLarge`."""
    stream = environ.get("wsgi.input")
    if stream is None:
        return b""
    length = environ.get("CONTENT_LENGTH") or ""
    if length.isdigit():
        if int(length) > MAX_BODY:
            raise PayloadTooLarge(f"a body of {length} bytes, over {MAX_BODY}")
        return bytes(stream.read(int(length))) if int(length) else b""
    if "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower():
        body = bytes(stream.read(MAX_BODY + 1))
        if len(body) > MAX_BODY:
            raise PayloadTooLarge(f"a chunked body over {MAX_BODY} bytes")
        return body
    return b""


class Proxy:
    """WSGI: the control API to ``local_app``, every other request to ``upstream``."""

    def __init__(
        self,
        local_app: Flask,
        local: Tenant,
        upstream: Upstream,
        *,
        watchers: list[Watcher] | None = None,
        session: requests.Session | None = None,
    ) -> None:
        self.local_app = local_app
        self.local_wsgi: Callable[..., Iterable[bytes]] = local_app.wsgi_app
        self.local = local
        self.upstream = upstream
        self.watchers = list(watchers or [])
        self.session = session or watched_session()
        self.session.headers.clear()  # nothing the client did not send
        self.session.trust_env = False  # no .netrc credentials, no environment proxy
        self.session.verify = upstream.ca_file or True
        self.root = upstream.url.rstrip("/")
        self.host = urlsplit(self.root).netloc

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        path = environ.get("PATH_INFO", "") or "/"
        plain, _ = split_tenant(path, TENANT_ROOTS)
        if plain in LOCAL_PATHS or plain.startswith(CONTROL_PREFIX + "/"):
            return self.local_wsgi(environ, start_response)
        try:
            exchange = self.forward(environ)
        except PayloadTooLarge as exc:  # not sent: the sandbox's limit, and the vendor's words
            body = json.dumps(exc.body()).encode("utf-8")
            headers = [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
            start_response("413 Payload Too Large", headers)
            return [body]
        start_response(f"{exchange.status} {exchange.reason}".strip(), exchange.reply_headers)
        return [exchange.reply_body]

    def forward(self, environ: dict[str, Any]) -> Exchange:
        """Send the request of ``environ`` to the tenant; journal it; tell the watchers."""
        started = time.perf_counter()
        path = _raw_path(environ)
        exchange = Exchange(
            method=environ.get("REQUEST_METHOD", "GET").upper(),
            path=path,
            query=environ.get("QUERY_STRING", ""),
            headers=_request_headers(environ),
            body=_read_body(environ),
        )
        self._send(exchange)
        exchange.duration_ms = round((time.perf_counter() - started) * 1000, 3)
        if exchange.note is None:
            exchange.findings = self._findings(exchange)
        self._journal(exchange)
        if exchange.note is None:
            for watcher in self.watchers:
                watcher(exchange)
        return exchange

    def _send(self, exchange: Exchange) -> None:
        headers = [
            (k, v)
            for k, v in _end_to_end(exchange.headers)
            if k.lower() not in ("host", "content-length")
        ]
        via = next((v for k, v in headers if k.lower() == "via"), None)
        headers = [(k, v) for k, v in headers if k.lower() != "via"]
        headers.append(("Via", f"{via}, {_VIA}" if via else _VIA))
        sent = {k.lower() for k, _ in headers}
        # urllib3 and http.client would add their own: not sent, unless the client sent them
        headers += [
            (h, SKIP_HEADER) for h in ("User-Agent", "Accept-Encoding") if h.lower() not in sent
        ]
        url = self.root + exchange.path + (f"?{exchange.query}" if exchange.query else "")
        deadline = time.monotonic() + self.upstream.timeout
        try:
            with watching(deadline) as watch:
                try:
                    reply = self.session.request(
                        exchange.method,
                        url,
                        data=exchange.body or None,
                        headers=dict(headers),
                        allow_redirects=False,
                        stream=True,
                        timeout=self.upstream.timeout,
                    )
                    body = reply.content
                except requests.RequestException as exc:
                    if watch.fired or isinstance(exc, requests.Timeout):
                        raise UpstreamTimeout(
                            f"no whole answer within --upstream-timeout {self.upstream.timeout:g}s"
                        ) from exc
                    raise
        except ScimError as exc:
            self._fail(exchange, exc)
            return
        except requests.exceptions.SSLError as exc:
            self._fail(exchange, UpstreamFailed(f"TLS with {self.host} failed: {_reason(exc)}"))
            return
        except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError) as exc:
            self._fail(exchange, UpstreamFailed(f"{self.host} closed or refused: {_reason(exc)}"))
            return
        except requests.RequestException as exc:
            self._fail(exchange, UpstreamFailed(f"{self.host}: {_reason(exc)}"))
            return
        raw = getattr(reply.raw, "headers", None)
        pairs = list(raw.items()) if raw is not None else list(reply.headers.items())
        # the body goes back decoded, with its own length; a HEAD's length is the tenant's, and
        # a 1xx, 204 or 304 has none (RFC 9110, 8.6)
        dropped = {"content-encoding"} | (
            {"content-length"} if exchange.method != "HEAD" else set()
        )
        exchange.reply_headers = [(k, v) for k, v in _end_to_end(pairs) if k.lower() not in dropped]
        if exchange.method != "HEAD" and not (
            reply.status_code < 200 or reply.status_code in (204, 304)
        ):
            exchange.reply_headers.append(("Content-Length", str(len(body))))
        exchange.status, exchange.reason, exchange.reply_body = (
            reply.status_code,
            reply.reason or "",
            body,
        )

    def _fail(self, exchange: Exchange, error: ScimError) -> None:
        exchange.status, exchange.reason = error.status, ""
        exchange.reply_body = json.dumps(error.body()).encode("utf-8")
        exchange.reply_headers = [
            ("Content-Type", "application/json"),
            ("Content-Length", str(len(exchange.reply_body))),
        ]
        exchange.note = f"proxy: {error.code}: {error.detail or error.message}"

    def _findings(self, exchange: Exchange) -> list[dict[str, str]]:
        found = self._strict(exchange)
        found += check_answer(
            exchange.method, exchange.path, exchange.status, exchange.media_type,
            exchange.reply_body,
        )  # fmt: skip
        return found

    def _strict(self, exchange: Exchange) -> list[dict[str, str]]:
        """Strict mode's findings on the client's request, as the sandbox would make them."""
        plain, _ = split_tenant(exchange.path, TENANT_ROOTS)
        try:
            endpoint, _args = self.local_app.url_map.bind("proxy").match(plain, exchange.method)
        except HTTPException:
            return []
        operation = STRICT_OPERATIONS.get(str(endpoint))
        if operation is None:
            return []
        body: Any = None
        if exchange.body:
            try:
                body = json.loads(exchange.body)
            except ValueError:
                body = exchange.body.decode("utf-8", "replace")
        method = exchange.method
        override = exchange.header("X-HTTP-Method-Override")
        if method == "POST" and override and override.upper() == "PATCH":
            method = "PATCH"
        found = check_request(
            method,
            operation,
            dict(parse_qsl(exchange.query, keep_blank_values=True)),
            body,
            dict(exchange.headers),
            full_filter_grammar=self.local.profile.full_filter_grammar,
            catalogue=self.local.catalogue,
        )
        return [f.to_dict() for f in found]

    def _journal(self, exchange: Exchange) -> None:
        entry = Entry(
            seq=0,
            instant=self.local.clock.now(),
            method=exchange.method,
            path=exchange.path,
            query_raw=exchange.query,
            header_pairs=list(exchange.headers),
            body_raw=exchange.body,
            body_type=(exchange.header("Content-Type") or "").split(";")[0].strip(),
            status=exchange.status,
            response_raw=exchange.reply_body,
            response_type=exchange.media_type,
            error=exchange.note,
            duration_ms=exchange.duration_ms,
            findings=exchange.findings,
        )
        exchange.seq = self.local.journal.record(entry).seq


def _reason(exc: BaseException) -> str:
    """One line of why, without a query string: requests names the URL, whose query may carry
    a secret (``?access_token=``), and the journal shows its notes as they are."""
    text = re.sub(r"\?[^\s)'\"]*", "?...", " ".join(str(exc).split()))
    return text if len(text) <= 200 else text[:197] + "..."

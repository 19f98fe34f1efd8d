"""An HTTP client of a tenant, real or mock, through its public API only: what ``mockscim
snapshot`` reads with and what ``mockscim drift`` probes with.

* The address: ``--url`` may be the host (``https://acme.vmwareidentity.com``), its ``/SAAS``,
  a tenant path (``http://127.0.0.1:8080/SAAS/t/acme``) or the SCIM base itself; the client
  works out the ``/SAAS`` root from any of them.
* A token: given (``--token``), or from the client credentials grant (``--client-id`` and its
  secret, HTTP Basic), fetched once, and once more when the tenant stops taking it (it expired
  during a long read).
* Transient failures are retried, each request up to ``tries`` times: a connection refused,
  reset or dropped, a request past its deadline, a body cut short, 502/503/504, and 429
  (throttled), whose ``Retry-After`` is honoured up to ``max_wait`` seconds. So a paging loop
  resumes from the page that failed, not from the start.
* Limits (:mod:`.limits`): a deadline for each whole request (its sockets shut at it,
  :mod:`.watchdog`) and for the run, a page cap for each search, a byte cap for the run; a
  search that answers only records it answered already stops. Each is a
  :class:`~mockscim.realtenant.errors.LimitError` naming its flag.
* Every failure the caller cannot go on from is a :class:`RemoteError` whose message is one line
  that says what to do (a wrong address, refused credentials, a token without the ``admin``
  scope, a tenant that answers HTML).
* ``read_only``: the client refuses to send anything but GET (and the token request), whatever
  its caller asks; ``mockscim snapshot`` runs with it.
"""

from __future__ import annotations

import dataclasses
import email.utils
import json
import re
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any
from urllib.parse import urlsplit

import requests

from mockscim.dialect.paths import SAAS, SCIM_PATH, TOKEN_SUFFIX
from mockscim.realtenant.errors import LimitError, RemoteError
from mockscim.realtenant.limits import DEFAULT, Budget, Expired, Limits, read_body
from mockscim.realtenant.watchdog import watched_session, watching

__all__ = ["LimitError", "Limits", "Remote", "RemoteError", "saas_root"]

#: Statuses worth another try: the gateway's and the throttle's.
_RETRY_STATUSES = frozenset({429, 502, 503, 504})
_NETWORK_ERRORS = (
    requests.ConnectionError,
    requests.Timeout,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
)
#: The ``/SAAS`` root (with its tenant path, if any) at the start of an address's path.
_SAAS = re.compile(rf"^(.*?{re.escape(SAAS)}(?:/t/[^/]+)?)(?:/.*)?$")
#: How much of a tenant's text an error message quotes.
_QUOTE = 160


def saas_root(url: str) -> str:
    """The ``/SAAS`` root of a tenant from the address a person gives."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise RemoteError(f"--url wants an http(s) address, got {url!r}")
    path = parts.path.rstrip("/")
    found = _SAAS.match(path)
    path = found.group(1) if found else path + SAAS
    return f"{parts.scheme}://{parts.netloc}{path}"


def _quote(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _QUOTE else text[: _QUOTE - 3] + "..."


def _error_of(reply: requests.Response) -> str:
    """``code: message`` of a SCIM envelope or an OAuth error body, else the status text."""
    try:
        body = reply.json()
    except ValueError:
        return reply.reason or ""
    if isinstance(body, dict):
        errors = body.get("errors")
        if isinstance(errors, list) and errors and isinstance(errors[0], dict):
            return _quote(f"{errors[0].get('code')}: {errors[0].get('message')}")
        if "error" in body:
            return _quote(f"{body.get('error')}: {body.get('error_description', '')}")
    return reply.reason or ""


def retry_after(reply: requests.Response, default: float) -> float:
    """The seconds a 429 or 503 asks to wait (``Retry-After``: seconds or an HTTP date)."""
    value = reply.headers.get("Retry-After", "").strip()
    if value.isdigit():
        return float(value)
    if value:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return default
        return max(0.0, when.timestamp() - time.time())
    return default


class Remote:
    """One tenant's API, as its clients meet it."""

    def __init__(
        self,
        url: str,
        *,
        client_id: str | None = None,
        client_secret: str | None = None,
        token: str | None = None,
        session: requests.Session | None = None,
        timeout: float | None = None,
        tries: int = 5,
        backoff: float = 0.25,
        max_wait: float = 60.0,
        read_only: bool = False,
        sleep: Callable[[float], None] = time.sleep,
        limits: Limits = DEFAULT,
    ) -> None:
        if token is None and not (client_id and client_secret):
            raise RemoteError("give --client-id and its secret, or --token")
        self.url = url
        self.saas = saas_root(url)
        self.scim = self.saas + SCIM_PATH
        self.session = session or watched_session()
        self.client_id = client_id
        self.client_secret = client_secret
        self._token = token
        if timeout is not None:  # the older spelling of limits.request_timeout
            limits = dataclasses.replace(limits, request_timeout=timeout)
        #: The run's limits and what is left of them; the run's time starts now.
        self.budget = Budget(limits)
        self.tries = max(1, tries)
        self.backoff = backoff
        self.max_wait = max_wait
        self.read_only = read_only
        self.sleep = sleep
        #: Every request sent, as ``METHOD path`` (what the tests compare with a journal).
        self.sent: list[str] = []

    @property
    def limits(self) -> Limits:
        return self.budget.limits

    @property
    def timeout(self) -> float:
        """The deadline of one whole request, in seconds (``limits.request_timeout``)."""
        return self.budget.limits.request_timeout

    # -- sending --------------------------------------------------------------------------------

    def send(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, str] | None = None,
        data: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        auth: tuple[str, str] | None = None,
    ) -> requests.Response:
        """One request, retried while it fails in passing; the last answer, whatever its
        status, its body read. :class:`RemoteError` when the tenant cannot be reached at all,
        :class:`LimitError` when a limit ends it."""
        method = method.upper()
        if self.read_only and method != "GET" and not url.endswith(TOKEN_SUFFIX):
            raise RemoteError(f"refused to send {method} {url}: this command only reads")
        shown = f"{method} {urlsplit(url).path}"
        for attempt in range(1, self.tries + 1):
            last = attempt == self.tries
            deadline, the_runs = self.budget.deadline(shown)
            self.sent.append(shown)
            try:
                reply = self._exchange(
                    method,
                    url,
                    deadline,
                    shown,
                    params=params,
                    data=data,
                    headers=dict(headers or {}),
                    auth=auth,
                )
            except Expired:
                if the_runs:
                    raise self.budget.run_over(shown) from None
                if last:
                    raise self.budget.request_over(shown, self.tries) from None
                self._wait(self._pause(attempt))
                continue
            except _NETWORK_ERRORS as exc:
                if last:
                    raise RemoteError(
                        f"cannot reach {self.saas} ({shown}): {_reason(exc)}; gave up after "
                        f"{self.tries} tries"
                    ) from exc
                self._wait(self._pause(attempt))
                continue
            if reply.status_code in _RETRY_STATUSES and not last:
                self._wait(min(retry_after(reply, self._pause(attempt)), self.max_wait))
                continue
            return reply
        raise AssertionError("unreachable")  # pragma: no cover

    def _exchange(
        self, method: str, url: str, deadline: float, shown: str, **kwargs: Any
    ) -> requests.Response:
        """One try, whole by ``deadline``: its sockets shut at it (:mod:`.watchdog`), no read
        of the socket longer than what is left, its body read in chunks against it."""
        with watching(deadline) as watch:
            left = max(deadline - self.budget.clock(), 0.001)
            try:
                reply = self.session.request(
                    method, url, timeout=(left, left), allow_redirects=False, stream=True, **kwargs
                )
                read_body(reply, deadline, self.budget, shown)
            except (Expired, LimitError):
                raise
            except Exception as exc:
                if watch.fired or isinstance(exc, requests.Timeout):
                    raise Expired(shown) from exc
                if self.budget.clock() >= deadline:
                    raise Expired(shown) from exc
                raise
            if watch.fired:  # shut mid-headers, http.client may take the cut for their end
                reply.close()
                raise Expired(shown)
        return reply

    def _wait(self, seconds: float) -> None:
        """A pause before another try, never past the run's end."""
        self.sleep(min(seconds, self.budget.time_left()))

    def _pause(self, attempt: int) -> float:
        return float(min(self.backoff * 2 ** (attempt - 1), self.max_wait))

    # -- the token ------------------------------------------------------------------------------

    @property
    def token_url(self) -> str:
        return self.saas + TOKEN_SUFFIX

    def token(self) -> str:
        """The access token: the one given, or one from the client credentials grant."""
        if self._token is None:
            assert self.client_id is not None and self.client_secret is not None
            reply = self.send(
                "POST",
                self.token_url,
                params={"grant_type": "client_credentials"},
                auth=(self.client_id, self.client_secret),
            )
            body = self._json(reply, "POST " + TOKEN_SUFFIX)
            if reply.status_code in (404, 405):
                raise RemoteError(
                    f"no token endpoint at {self.token_url} ({reply.status_code}): is --url the "
                    f"tenant's address? ({self.url})"
                )
            if reply.status_code in (400, 401):
                raise RemoteError(
                    f"the tenant refused the client credentials ({reply.status_code} "
                    f"{_error_of(reply)}): check --client-id and --client-secret"
                )
            if reply.status_code != 200 or not isinstance(body.get("access_token"), str):
                raise RemoteError(
                    f"POST {TOKEN_SUFFIX} answered {reply.status_code} {_error_of(reply)}: "
                    "no access token"
                )
            self._token = str(body["access_token"])
        return self._token

    def bearer(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token()}"}

    # -- reading --------------------------------------------------------------------------------

    def _json(self, reply: requests.Response, shown: str) -> dict[str, Any]:
        """The JSON object of an answer, or a one-line error naming what came instead."""
        kind = reply.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if reply.status_code == 404 and kind != "application/json":
            raise RemoteError(
                f"{shown} answered 404 {kind or 'without a body type'}: is --url the tenant's "
                f"address? ({self.url})"
            )
        try:
            body = reply.json()
        except ValueError:
            shown_kind = kind or "no Content-Type"
            raise RemoteError(
                f"{shown} answered {reply.status_code} with {shown_kind}, not JSON: is --url "
                f"the tenant's address? ({self.url})"
            ) from None
        if not isinstance(body, dict):
            raise RemoteError(f"{shown} answered {reply.status_code} with JSON that is no object")
        return body

    def get(self, path: str, params: Mapping[str, str] | None = None) -> dict[str, Any]:
        """``GET`` a path below the SCIM base: its JSON object, or a :class:`RemoteError`."""
        shown = "GET " + path
        reply = self.send("GET", self.scim + path, params=params, headers=self.bearer())
        if reply.status_code in (401, 403) and self.client_id and self._token is not None:
            # A token of ours that expired during a long read: one new token, one more try.
            self._token = None
            reply = self.send("GET", self.scim + path, params=params, headers=self.bearer())
        body = self._json(reply, shown)
        if reply.status_code in (401, 403):
            raise RemoteError(
                f"the tenant refused the token for {shown} ({reply.status_code} "
                f"{_error_of(reply)}): a token with the admin scope is needed",
                reply.status_code,
            )
        if reply.status_code != 200:
            raise RemoteError(
                f"{shown} answered {reply.status_code} {_error_of(reply)}", reply.status_code
            )
        return body

    def pages(
        self,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        page_size: int = 100,
        limit: int | None = None,
        on_total: Callable[[int], None] | None = None,
    ) -> Iterator[list[dict[str, Any]]]:
        """The resources of a search, a page at a time (``startIndex``/``count``), at most
        ``limit``. A page that fails in passing is asked again (:meth:`send`); the pages before
        it are not. ``on_total`` hears ``totalResults`` from the first page. A search of more
        than ``max_pages`` pages, or a page of records all read already (a tenant that repeats
        a page), is a :class:`LimitError`: a tenant that pages for ever ends."""
        start, seen, asked = 1, 0, 0
        known: set[str] = set()
        while limit is None or seen < limit:
            if self.limits.max_pages is not None and asked >= self.limits.max_pages:
                raise self.budget.pages_over("GET " + path)
            count = page_size if limit is None else min(page_size, limit - seen)
            query = {**(params or {}), "startIndex": str(start), "count": str(count)}
            body = self.get(path, query)
            asked += 1
            resources = body.get("Resources") or []
            total = body.get("totalResults")
            if not isinstance(resources, list) or not isinstance(total, int):
                raise RemoteError(f"GET {path} answered a page without Resources/totalResults")
            if start == 1 and on_total is not None:
                on_total(total if limit is None else min(total, limit))
            page = [r for r in resources if isinstance(r, dict)]
            if not page:
                return
            keys = {_key(r) for r in page}
            if keys <= known:
                raise LimitError(
                    f"GET {path} answered page {asked} (startIndex {start}) with records already "
                    "read: the tenant does not page, so the read stops"
                )
            known |= keys
            page = page[: None if limit is None else limit - seen]
            seen += len(page)
            start += len(resources)
            yield page
            if start > total:
                return


def _key(record: dict[str, Any]) -> str:
    """What tells a record of a search from the others: its id, else all of it."""
    rid = record.get("id")
    return "id:" + rid if isinstance(rid, str) else json.dumps(record, sort_keys=True, default=str)


def _reason(exc: Exception) -> str:
    """A short reason for a network error (requests nests urllib3's)."""
    text = str(exc)
    for marker, reason in _REASONS:
        if marker in text:
            return reason
    return _quote(type(exc).__name__ + ": " + text)


_REASONS = (
    ("Connection refused", "connection refused"),
    ("Name or service not known", "no such host"),
    ("timed out", "timed out"),
    ("RemoteDisconnected", "the connection was closed without an answer"),
    ("Connection aborted", "the connection was closed without an answer"),
    ("IncompleteRead", "the answer was cut short"),
)

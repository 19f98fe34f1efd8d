"""A handle on one mock tenant for tests: URLs, credentials, a ready session, helpers, the journal.

The pytest plugin hands one out per test (``mockscim`` live, ``mockscim_inprocess`` without a
socket); it is plain Python and works outside pytest too::

    handle = MockScim(tenant, app, server.url)   # or MockScim.inprocess(tenant, app)
    handle.session.get(handle.users_url, params={"filter": 'userName eq "jdoe"'})
    handle.scenarios.non_local("jdoe")
    handle.journal.assert_patched("jdoe", contains={"title": "Chief"})
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import requests
from flask import Flask
from requests import PreparedRequest, Response
from requests.adapters import BaseAdapter, HTTPAdapter

from mockscim.dialect.render import render
from mockscim.http.adapter import INPROCESS_ROOT, WSGIAdapter
from mockscim.http.context import SAAS, SCIM_PATH, TOKEN_SUFFIX, MockState
from mockscim.tenant import Clock, Tenant
from mockscim.tenant.clients import Clients
from mockscim.tenant.journal import Entry
from mockscim.tenant.scenarios import Scenarios
from mockscim.testkit.assertions import Recorded
from mockscim.testkit.stubs import StubHandle, add_stub

__all__ = ["MockScim"]


class _Names(Mapping[str, str]):
    """id -> the name of the user (userName), group or role (displayName) with that id, looked
    up when asked: a journal view costs nothing until a message names someone, whatever the size
    of the tenant (building this for every user cost 200 ms a test at 10,000 users). A user
    deleted during the test keeps the name a reply gave it."""

    def __init__(self, tenant: Tenant, entries: list[Entry]) -> None:
        self._tenant = tenant
        self._entries = entries

    def __getitem__(self, rid: str) -> str:
        name = self._tenant.name_of(rid)
        if name is not None:
            return str(name)
        for entry in self._entries:
            reply = entry.response
            if isinstance(reply, Mapping) and str(reply.get("id")) == rid:
                return str(reply.get("userName", ""))
        raise KeyError(rid)

    def _ids(self) -> dict[str, None]:
        found = dict.fromkeys(self._tenant.resource_ids())
        for entry in self._entries:
            if isinstance(entry.response, Mapping) and "id" in entry.response:
                found.setdefault(str(entry.response["id"]))
        return found

    def __iter__(self) -> Iterator[str]:
        return iter(self._ids())

    def __len__(self) -> int:
        return len(self._ids())


class _TrustOnly(HTTPAdapter):
    """Verifies against one CA file whatever the environment says: requests lets
    ``REQUESTS_CA_BUNDLE`` win over ``Session.verify`` (psf/requests#3829)."""

    def __init__(self, ca_file: str) -> None:
        super().__init__()
        self.ca_file = ca_file

    def send(self, request: PreparedRequest, **kwargs: Any) -> Response:  # type: ignore[override]
        kwargs["verify"] = self.ca_file
        return super().send(request, **kwargs)


class MockScim:
    """One tenant, as a test sees it."""

    def __init__(
        self,
        tenant: Tenant,
        app: Flask,
        root: str,
        *,
        adapter: BaseAdapter | None = None,
        in_path: bool = False,
        ca_file: str | None = None,
    ):
        self.tenant = tenant
        self.app = app
        #: The host root (``http://127.0.0.1:PORT``, ``https://...`` or :data:`INPROCESS_ROOT`).
        self.url = root.rstrip("/")
        #: The tenant's root: ``<url>/SAAS``, or ``<url>/SAAS/t/<tenant>`` for a tenant other
        #: than the server's first (``in_path``). The plugin also lets a test's tenant answer the
        #: plain ``<url>/SAAS`` paths while the test runs (``MockState.default_as``).
        self.saas_url = self.url + (f"/SAAS/t/{tenant.name}" if in_path else SAAS)
        #: Over HTTPS: the throwaway CA's certificate (PEM file) a client must trust; else None.
        self.ca_file = ca_file
        self._adapter = adapter
        self._session: requests.Session | None = None
        self._token: str | None = None

    @classmethod
    def inprocess(cls, tenant: Tenant, app: Flask, *, in_path: bool = False) -> MockScim:
        return cls(tenant, app, INPROCESS_ROOT, adapter=WSGIAdapter(app), in_path=in_path)

    # -- where and who --------------------------------------------------------------------------

    @property
    def scim_url(self) -> str:
        """The SCIM base: ``<root>/SAAS/jersey/manager/api/scim`` (or the tenant's form)."""
        return self.saas_url + SCIM_PATH

    @property
    def users_url(self) -> str:
        return self.scim_url + "/Users"

    @property
    def token_url(self) -> str:
        return self.saas_url + TOKEN_SUFFIX

    @property
    def _client(self) -> dict[str, Any]:
        client = self.tenant.oauth.default_client()
        if client is None:
            raise LookupError(f"tenant {self.tenant.name!r} has no OAuth client")
        return client

    @property
    def client_id(self) -> str:
        return str(self._client["clientId"])

    @property
    def client_secret(self) -> str:
        return str(self._client["secret"])

    @property
    def token(self) -> str:
        """An admin access token for the default client, issued without a request (so it is not
        in the journal)."""
        if self._token is None:
            reply = self.tenant.oauth.client_token(self.client_id)
            self._token = str(reply["access_token"])
        return self._token

    @property
    def clients(self) -> list[dict[str, Any]]:
        """Copies of the tenant's OAuth clients as its fixtures hold them (``clientId``,
        ``secret``, ``scope``, ``grantTypes``, ``accessTokenTTL`` in seconds, ``redirectUris``):
        the fixtures' and those created through the client API or a device activation."""
        return Clients(self.tenant.oauth).list()

    def new_session(self, *, authenticated: bool = True) -> requests.Session:
        """A ``requests`` session for this tenant (in-process ones need no socket; over HTTPS it
        trusts :attr:`ca_file` only)."""
        session = requests.Session()
        if self.ca_file is not None:
            session.verify = self.ca_file
            session.mount(self.url + "/", _TrustOnly(self.ca_file))
        if self._adapter is not None:
            session.mount(INPROCESS_ROOT + "/", self._adapter)
        if authenticated:
            session.headers["Authorization"] = f"Bearer {self.token}"
        return session

    @property
    def session(self) -> requests.Session:
        """A ready, authenticated session (Bearer token of the default client)."""
        if self._session is None:
            self._session = self.new_session()
        return self._session

    # -- state ----------------------------------------------------------------------------------

    @property
    def scenarios(self) -> Scenarios:
        return self.tenant.scenarios

    @property
    def clock(self) -> Clock:
        return self.tenant.clock

    def stub(self, spec: Mapping[str, Any] | None = None, /, **fields: Any) -> StubHandle:
        """Add a stub (``docs/stubs.md``: ``name``, ``request``, ``response``, ``times``,
        ``priority``, ``override``, as a dict, keywords or both); returns a handle with its hits.
        The tenant's reset after the test removes it."""
        return add_stub(self.tenant.stubs, spec, fields)

    def add_user(self, user_name: str, **attributes: Any) -> dict[str, Any]:
        """Create a user as ``POST /Users`` would (not journaled); returns it as the API shows it."""
        body = {"userName": user_name, **attributes}
        created = self.tenant.create_user(body)
        return render(created.user, self.users_url)

    def user(self, id_or_user_name: str) -> dict[str, Any] | None:
        """A user as the API shows it, by id or userName (any case); None if there is none."""
        tenant = self.tenant
        stored = tenant.find_user(id_or_user_name) or tenant.find_user_by_name(id_or_user_name)
        return render(stored, self.users_url) if stored else None

    def users(self) -> list[dict[str, Any]]:
        return [render(u, self.users_url) for u in self.tenant.all_users()]

    @property
    def groups_url(self) -> str:
        return self.scim_url + "/Groups"

    @property
    def roles_url(self) -> str:
        return self.scim_url + "/Roles"

    def add_group(self, display_name: str, **attributes: Any) -> dict[str, Any]:
        """Create a local group as ``POST /Groups`` would (not journaled); ``members`` may name
        user or group ids."""
        memberships = self.tenant.memberships
        created = memberships.create_group({"displayName": display_name, **attributes})
        return memberships.render(created, self.groups_url)

    def group(self, id_or_display_name: str) -> dict[str, Any] | None:
        """A group as the API shows it, by id or displayName (any case); None if there is none."""
        memberships = self.tenant.memberships
        stored = memberships.find_group(id_or_display_name) or memberships.find_group_by_name(
            id_or_display_name
        )
        return memberships.render(stored, self.groups_url) if stored else None

    @property
    def journal(self) -> Recorded:
        """What the client sent during this test, as SCIM requests (a fresh view each time)."""
        entries = self.tenant.journal.entries()
        return Recorded(entries, _Names(self.tenant, entries))

    def report(self, *, findings: bool = False) -> str:
        """What a failed run shows: every request (and, with ``findings``, strict mode's findings),
        the scenarios that never matched a request, and those that let requests through but never
        acted (a ``missing`` whose ``after`` the client did not get past)."""
        journal = self.journal
        text = journal.report()
        found = journal.findings if findings else []
        if found:
            text += "\n\nstrict mode findings:\n" + "\n".join(found)
        idle_stubs = [s["name"] for s in self.tenant.stubs.all() if s["hits"] == 0]
        if idle_stubs:
            text += "\n\nstubs that never answered: " + ", ".join(idle_stubs)
        unused = self.scenarios.unused()
        if unused:
            text += "\n\nscenarios that never matched a request:\n" + "\n".join(
                f"  {s['id']}: {_describe(s)}" for s in unused
            )
        idle = [s for s in self.scenarios.all() if s["hits"] == 0 and s["passed"]]
        if idle:
            text += "\n\nscenarios that let requests through, then never acted:\n" + "\n".join(
                f"  {s['id']}: {_describe(s)}: let {_requests(s['passed'])} through" for s in idle
            )
        return text

    @property
    def server_errors(self) -> list[BaseException]:
        state: MockState = self.app.extensions["mockscim"]
        return state.server_errors


def _describe(scenario: dict[str, Any]) -> str:
    hidden = {"id", "hits", "passed", "remaining", "spent"}
    return ", ".join(f"{k}={v}" for k, v in scenario.items() if k not in hidden and v is not None)


def _requests(count: int) -> str:
    return "1 request" if count == 1 else f"{count} requests"

"""One tenant: its directories, users, OAuth clients, tokens and clock, and the rules that change them.

Views call these methods (and those of the parts the tenant names: memberships, oauth, ...) and
nothing below them; this module knows no HTTP. The rules come from ``docs/dialect.md``:
"Directories and local users", "Reading, creating and deleting users" and "Patching users" (order
of checks: body 400 -> unknown id 404 -> not local 403 -> apply).
"""

from __future__ import annotations

import random
import secrets
import uuid
from collections import Counter
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any, TypeVar, overload

from mockscim.dialect import search
from mockscim.dialect.attributes import CORE, WORKSPACE, Catalogue
from mockscim.dialect.body import canonicalize
from mockscim.dialect.copying import clone
from mockscim.dialect.errors import InvalidJson, InvalidUser, NotLocalUser, UserExists, UserNotFound
from mockscim.dialect.filter import Compare, Node
from mockscim.dialect.patch import apply_patch
from mockscim.dialect.paths import PASSWORD_ACTIVATE_PATH, tenant_saas
from mockscim.dialect.rules import (
    LOCAL_USER_TYPES,
    check_manager,
    check_user,
    check_user_name,
    provisioned_missing,
)
from mockscim.dialect.search import SearchParams
from mockscim.tenant.answers import Answers
from mockscim.tenant.audit import MAX_EVENTS, Audit
from mockscim.tenant.catalog import Catalog
from mockscim.tenant.clock import Clock, stamp
from mockscim.tenant.custom import users_catalogue
from mockscim.tenant.data_file import check_data_file
from mockscim.tenant.directories import Directories
from mockscim.tenant.fixtures import Fixtures
from mockscim.tenant.installer import Installer
from mockscim.tenant.journal import DEFAULT_SIZE as DEFAULT_JOURNAL_SIZE
from mockscim.tenant.journal import Journal
from mockscim.tenant.keys import SigningKey, signing_key
from mockscim.tenant.memberships import Memberships
from mockscim.tenant.not_local import not_local_detail
from mockscim.tenant.oauth import OAuth
from mockscim.tenant.oidc import Codes
from mockscim.tenant.profile import Profile
from mockscim.tenant.scenarios import Scenarios
from mockscim.tenant.store import ResourceStore
from mockscim.tenant.stub_set import Stubs
from mockscim.tenant.tokens import TokenIssuer

__all__ = ["CreateResult", "Profile", "Tenant"]

User = dict[str, Any]
T = TypeVar("T")

#: The vendor's DELETE text has no final period, unlike PATCH's (vendor API description).
DELETE_NOT_FOUND = "The specified user does not exist"


@dataclass
class CreateResult:
    user: User
    #: Members of the reply that are not stored (``firstLoginUrl``).
    extra_workspace: dict[str, Any] = field(default_factory=dict)
    #: The reply's ``groups``: empty, as the service answers a create [seen] (the user's groups,
    #: ALL USERS included, show from the next read on).
    reply_groups: list[Any] = field(default_factory=list)


def new_uuid() -> str:
    return str(uuid.uuid4())


class Tenant:
    """All state of one emulated tenant, and the face the layers above use.

    What a view, the dashboard, the test kit or the CLI needs is a method here, or on a part the
    tenant owns and names: :attr:`memberships` (groups and roles), :attr:`oauth` (clients, tokens,
    codes, sign-ins), :attr:`scenarios`, :attr:`journal`, :attr:`audit`, :attr:`stubs`, :attr:`clock`, and :attr:`directories`
    (to read). The parts with rules of their own, and the installer that fills the tables
    (:mod:`.installer`), are handed what they read and never call back into the tenant. The tables (:attr:`users`, :attr:`groups`, :attr:`roles`) are read and changed
    here and by those parts only: no module of the package above ``tenant/`` reaches into them
    (``tests/test_tenant_face.py``). Tests and scripts may; read-only aliases keep the names
    they used (:attr:`store`, :attr:`tokens`, :attr:`codes`, :attr:`clients`).
    """

    def __init__(
        self,
        fixtures: Fixtures,
        *,
        data_path: str | None = None,
        clock: Clock | None = None,
        profile: Profile | None = None,
        seed: int | None = None,
        id_factory: Callable[[], str] | None = None,
        journal_size: int = DEFAULT_JOURNAL_SIZE,
        audit_size: int = MAX_EVENTS,
        scenarios: list[Any] | None = None,
        strict: bool = False,
        name: str = "mockscim",
        progress: Callable[[int, int], None] | None = None,
        stubs: list[Any] | None = None,
    ) -> None:
        """``progress(done, total)`` hears how many fixture users have been installed."""
        self.name = name
        #: Strict mode: every journal entry carries the contract findings of its request.
        self.strict = strict
        self.clock = clock or Clock()
        #: The instant a frozen clock goes back to on reset (deterministic mode).
        self._clock_start = self.clock.frozen_at
        self.profile = profile or Profile()
        #: Deterministic mode: ids, tokens and random latencies come from this seed.
        self.seed = seed
        self.rng: random.Random | None = random.Random(seed) if seed is not None else None
        self._id_factory = id_factory
        self.scenarios = Scenarios(seed)
        self.journal = Journal(journal_size)
        self.audit = Audit(self.clock, audit_size)  # what the reports read (:mod:`.audit`)
        # A wrong --data file: one FixtureError, the file untouched; a right one, read once.
        tables = check_data_file(data_path)
        #: The tables: users, groups and roles, in one TinyDB behind one lock (:mod:`.store`).
        self.users = ResourceStore(data_path, tables=tables)
        self.answers = Answers(self.users)  # users' wire forms by stamp (:mod:`.answers`)
        self.groups = ResourceStore(share=self.users, table="groups", name_key="displayName")
        self.roles = ResourceStore(share=self.users, table="roles", name_key="displayName")
        self.fixtures = fixtures
        #: Canned answers beside the fixtures' (checked :class:`~.stubs.Stub` s, ``--stubs FILE``).
        self.base_stubs: list[Any] = list(stubs or [])
        self.stubs = Stubs()  # what no operation emulates (:mod:`.stub_set`)
        #: The user attributes of this tenant: the vendor's, and its custom ones (_load_config).
        self.catalogue: Catalogue
        #: One for the tenant's life, shared with its parts; _load_config fills it.
        self.directories = Directories()
        self.memberships = Memberships(
            self.users,
            self.groups,
            self.roles,
            self.directories,
            stamp=self.stamp,
            new_id=self.new_id,
        )
        self.catalog = Catalog(self.user_name_of, self.memberships)  # apps, entitlements
        self.oauth = OAuth(
            self.users,
            self.directories,
            self.memberships,
            self.clock,
            lambda: self.signing_key,
            self.rng,
        )
        self.scenarios.on_token_expiry = self.oauth.expire_tokens
        self._installer = Installer(
            self.users,
            self.groups,
            self.roles,
            self.memberships,
            self.directories,
            self.clock,
            name,
        )
        self._load_config(fixtures)
        if not self.users.persistent or self.users.is_empty_on_disk():
            self._installer.install(fixtures, progress)
        else:
            self.memberships.index()
        #: Scenarios every reset starts with (a scenarios file, CLI flags).
        self.base_scenarios: list[Any] = list(scenarios or [])
        self.scenarios.add_all(self.base_scenarios)

    # -- set-up ---------------------------------------------------------------------------------

    @property
    def signing_key(self) -> SigningKey:
        """This tenant's RS256 key (:mod:`.keys`): its own, deterministic under a seed."""
        return signing_key(self.name, self.seed)

    def _load_config(self, fixtures: Fixtures) -> None:
        self.catalogue = users_catalogue(self.name, fixtures.schemas)
        self.directories.load(fixtures.directories)
        self.oauth.load_clients(fixtures.clients)
        self.catalog.load(fixtures.catalog)
        self.stubs.declare([*fixtures.stubs, *self.base_stubs])

    def stamp(self, resource: User) -> None:
        """Move ``meta.lastModified``/``version`` of a changed resource to now (:func:`stamp`)."""
        stamp(resource, self.clock.now())

    def new_id(self) -> str:
        """A new lowercase UUID 4: random, or from the seed in deterministic mode."""
        if self._id_factory is not None:
            return self._id_factory()
        if self.rng is not None:
            return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))
        return new_uuid()

    def reset(
        self,
        fixtures: Fixtures | None = None,
        *,
        profile: Profile | None = None,
        scenarios: list[Any] | None = None,
    ) -> None:
        """A fresh tenant: back to the fixtures (the ones given, or the current ones).

        Tokens, scenarios and the journal are dropped and the clock goes back to where it started
        (wall time, or the frozen instant); in deterministic mode the seed starts again, so a reset
        tenant answers exactly as a new one. ``profile`` and ``scenarios`` replace the tenant's
        profile and base scenarios when given.
        """
        fixtures = fixtures or self.fixtures
        self.fixtures = fixtures
        if profile is not None:
            self.profile = profile
        if scenarios is not None:
            self.base_scenarios = list(scenarios)
        if self.seed is not None and self.rng is not None:
            self.rng.seed(self.seed)
        self.clock.set(self._clock_start)
        self._load_config(fixtures)
        self.oauth.reset()
        self.scenarios.clear()
        self.journal.clear()
        self.audit.clear()
        if not self._installer.roll_back(fixtures):
            self._installer.install(fixtures)
        self.scenarios.add_all(self.base_scenarios)

    def load_users(self, records: list[Any]) -> list[User]:
        """Add users given in the fixture format (validated as fixtures are); returns them stored.

        A record whose ``id`` or ``userName`` is taken, or that fails validation, is a
        :class:`~mockscim.tenant.fixtures.FixtureError` and nothing is added.
        """
        return self._installer.load_users(records, self.fixtures.schemas)

    # -- directories ----------------------------------------------------------------------------

    def is_local(self, user: User) -> bool:
        """May SCIM change this user? System and "Other" directories only [decided], and no
        ``non_local`` scenario says otherwise (asking counts as a request about the user)."""
        if self.scenarios.is_non_local(user["id"], user["userName"]):
            return False
        return self.in_local_directory(user)

    def in_local_directory(self, user: User) -> bool:
        """May SCIM change this user by its directory and type alone (scenarios aside)?"""
        workspace = user.get(WORKSPACE, {})
        return (
            self.directories.is_local(workspace.get("userStoreUuid", ""))
            and workspace.get("internalUserType", "LOCAL") in LOCAL_USER_TYPES
        )

    # -- reading --------------------------------------------------------------------------------

    def get_user(self, uid: str, *, message: str | None = None) -> User:
        """The stored user, or 404; a ``missing`` scenario hides it here but not from searches."""
        user = self.users.get(uid)
        if user is None:
            raise UserNotFound(f"no user with id {uid!r}", message=message)
        hidden = self.scenarios.is_missing(uid, user["userName"])
        if hidden:
            raise UserNotFound(f"user {uid} is missing (scenario {hidden})", message=message)
        return user

    def read_user(self, uid: str, use: Callable[[User], T], key: Hashable = None) -> T:
        """``use`` on the stored user without a copy (see :meth:`ResourceStore.read`), its answer
        kept by ``key`` until the user changes (:mod:`.answers`) unless ``key`` is None; 404 as
        :meth:`get_user` (a ``missing`` scenario included)."""
        with self.users.lock:
            named = lambda user: (user["userName"], use(user))  # noqa: E731
            found = (
                self.users.read(uid, named) if key is None else self.answers.read(uid, key, named)
            )
            if found is None:
                raise UserNotFound(f"no user with id {uid!r}")
            user_name, result = found
            hidden = self.scenarios.is_missing(uid, user_name)
            if hidden:
                raise UserNotFound(f"user {uid} is missing (scenario {hidden})")
            return result

    @overload
    def search(self, params: SearchParams) -> tuple[int, list[User]]: ...
    @overload
    def search(self, params: SearchParams, use: Callable[[list[User]], T]) -> tuple[int, T]: ...
    def search(
        self, params: SearchParams, use: Callable[[list[User]], Any] = clone
    ) -> tuple[int, Any]:
        """Filter, sort and page the users: (totalResults, ``use(page)``).

        ``use`` defaults to copies of the page; any other ``use`` runs on the stored users
        themselves under the table's lock (:meth:`ResourceStore.select_into`) and must neither
        change nor keep them (render and serialise, say): a search page then costs no copy at all.
        """
        ids = self._indexed_ids(params.filter)
        return self.users.select_into(
            search.matcher(params.filter), lambda users: search.select(users, params), use, ids
        )

    def _indexed_ids(self, node: Node | None) -> list[str] | None:
        """Candidate ids for ``id``/``userName``/``externalId`` ``eq`` filters; None means scan."""
        if not isinstance(node, Compare) or node.op != "eq" or node.ref.sub is not None:
            return None
        if node.ref.schema != CORE or not isinstance(node.value, str):
            return None
        name = node.ref.attr.name
        if name == "id":
            return [node.value]
        if name == "userName":
            found = self.users.id_for_username(node.value)
            return [found] if found else []
        if name == "externalId":
            return self.users.ids_for_external_id(node.value)
        return None

    # -- what the layers above read: copies or single values, never the tables ------------------
    # None of these is a request: no ``missing`` or ``non_local`` scenario is asked or counted.

    def find_user(self, uid: str) -> User | None:
        """A copy of the stored user with this id (the caller may change it), or None."""
        return self.users.get(uid)

    def find_user_by_name(self, user_name: str) -> User | None:
        """A copy of the stored user called ``user_name`` (any case), or None."""
        uid = self.users.id_for_username(user_name)
        return self.users.get(uid) if uid else None

    def user_name_of(self, uid: str) -> str | None:
        """The userName of the user with this id, or None (read in place: no copy)."""
        return self.users.read(uid, _user_name)

    def all_users(self) -> list[User]:
        """Copies of every stored user, in creation order."""
        return self.users.scan(_everyone)

    def user_count(self) -> int:
        """How many users the tenant holds."""
        return len(self.users)

    def users_per_directory(self) -> Counter[str]:
        """How many users each directory holds, by its id (``userStoreUuid``); read in place."""
        counts: Counter[str] = Counter()

        def tally(users: list[User]) -> tuple[int, list[User]]:
            counts.update(u.get(WORKSPACE, {}).get("userStoreUuid", "") for u in users)
            return len(users), []

        self.users.select(_everyone, tally)
        return counts

    def name_of(self, rid: str) -> str | None:
        """The name of the user (``userName``), group or role (``displayName``) with this id."""
        name = self.user_name_of(rid)
        return name if name is not None else self.memberships.name_of(rid)

    def resource_ids(self) -> list[str]:
        """The ids of every user, then of every group and role."""
        return self.users.ids() + self.memberships.ids()

    # -- the parts by their former names: read-only aliases for tests and scripts ----------------

    @property
    def store(self) -> ResourceStore:
        """The users' table (:attr:`users`) under its name of version 0.1: a read-only alias for
        tests and scripts that reach into it. The layers above use the methods above instead."""
        return self.users

    @property
    def tokens(self) -> TokenIssuer:
        """The token issuer, :attr:`oauth`'s (a reset makes a new one): a read-only alias."""
        return self.oauth.tokens

    @property
    def codes(self) -> Codes:
        """The outstanding authorization codes, :attr:`oauth`'s: a read-only alias."""
        return self.oauth.codes

    @property
    def clients(self) -> dict[str, dict[str, Any]]:
        """The OAuth clients by id, :attr:`oauth`'s (read them; a reset replaces them)."""
        return self.oauth.clients

    # -- writing --------------------------------------------------------------------------------

    def create_user(self, body: Any, *, send_mail: bool = True) -> CreateResult:
        """POST /Users. 400 for a bad body or userName, 409 for a duplicate userName."""
        canonical = canonicalize(body, error=InvalidUser, catalogue=self.catalogue)
        data = canonical.body
        user_name = data.get("userName")
        check_user_name(user_name, InvalidUser)
        check_manager(data, InvalidUser)
        assert isinstance(user_name, str)
        workspace_in = data.get(WORKSPACE) or {}
        if workspace_in.get("userStatus") not in (None, "1", "2"):
            raise InvalidUser("a new user's userStatus is 1 (enabled) or 2 (disabled)")
        user_type = workspace_in.get("internalUserType") or "LOCAL"
        domain = workspace_in.get("domain")
        directory = self.directories.for_new_user(user_type, domain)
        if user_type == "PROVISIONED":
            _require_provisioned_members(data)
        with self.users.lock:
            if self.users.id_for_username(user_name) is not None:
                raise UserExists(f"userName {user_name!r} is taken")
            uid = self.new_id()
            try:
                user, _ = apply_patch({"id": uid, "userName": user_name}, canonical, self.catalogue)
            except InvalidJson as exc:
                raise InvalidUser(exc.detail) from exc
            user.setdefault("active", True)
            workspace = user.setdefault(WORKSPACE, {})
            workspace["internalUserType"] = user_type
            workspace["domain"] = domain or directory["domains"][0]
            workspace["userStoreUuid"] = directory["id"]
            workspace["userStatus"] = "1" if user["active"] else "2"
            check_user(user, directory["domains"], InvalidUser)
            user["groups"] = self.memberships.groups_attribute(uid)
            user["roles"] = self.memberships.roles_attribute(uid)
            self.stamp(user)
            self.users.insert(user)
        result = CreateResult(user)
        if "password" not in user and not send_mail:
            token = self.rng.randbytes(18).hex() if self.rng else secrets.token_urlsafe(24)
            result.extra_workspace["firstLoginUrl"] = (
                f"{tenant_saas(self.name)}{PASSWORD_ACTIVATE_PATH}?token={token}"
            )
        return result

    def patch_user(self, uid: str, body: Any) -> User:
        """PATCH /Users/{id}: 400 body -> 404 -> 403 not local -> apply (``docs/dialect.md#patching-users``).

        The user returned shares its values with the stored one: read it (render, serialise),
        never change it."""
        canonical = canonicalize(body, catalogue=self.catalogue)  # 400 before anything else
        check_manager(canonical.body, InvalidJson)
        with self.users.lock:
            # The stored user itself, read under the lock and never changed: apply_patch makes
            # the new one (a copy each way was two of a PATCH's three deep copies).
            user = self.read_user(uid, _itself)
            if not self.is_local(user):
                raise NotLocalUser(not_local_detail(uid, user, self.scenarios, self.directories))
            updated, _ = apply_patch(user, canonical, self.catalogue)
            new_name = updated.get("userName")
            check_user_name(new_name, InvalidJson)
            assert isinstance(new_name, str)
            # The domain is chosen at create, like the directory: a PATCH ignores it [decided].
            # (a new workspace member: apply_patch shares what it did not change with the stored
            # user, and a stored value is never changed in place)
            updated[WORKSPACE] = {**updated.get(WORKSPACE, {}), "domain": user[WORKSPACE]["domain"]}
            directory = self.directories.get(user[WORKSPACE]["userStoreUuid"])
            assert directory is not None  # is_local said so
            check_user(updated, directory["domains"], InvalidJson)
            holder = self.users.id_for_username(new_name)
            if holder is not None and holder != uid:
                raise UserExists(f"userName {new_name!r} is taken")
            for readonly in ("id", "roles", "groups"):
                if readonly in user:
                    updated[readonly] = user[readonly]
            updated["meta"] = dict(user["meta"])
            self.stamp(updated)
            self.users.replace(updated, copy=False)
            return updated

    def delete_user(self, uid: str) -> None:
        """DELETE /Users/{id}: 404 unknown, 403 not local [decided], else gone."""
        with self.users.lock:
            # The vendor's DELETE text has no final period (spec), unlike PATCH's.
            user = self.get_user(uid, message=DELETE_NOT_FOUND)
            if not self.is_local(user):
                raise NotLocalUser(not_local_detail(uid, user, self.scenarios, self.directories))
            self.users.delete(uid)
            self.memberships.drop_member(uid)


def _itself(user: User) -> User:
    return user


def _everyone(_user: User) -> bool:
    return True


_user_name: Callable[[User], str] = itemgetter("userName")


def _require_provisioned_members(data: dict[str, Any]) -> None:
    """A user for an "Other" directory needs name, one email and externalId (captures, 2022)."""
    missing = provisioned_missing(data)
    if missing:
        raise InvalidUser("a PROVISIONED user needs " + ", ".join(missing))

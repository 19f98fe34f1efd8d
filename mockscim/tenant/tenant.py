"""One tenant: its directories, users, OAuth clients, tokens and clock, and the rules that change them.

Views call these methods and nothing below them; this module knows no HTTP. The rules come from
``docs/dialect.md``: "Directories and local users", "Reading, creating and deleting users"
and "Patching users" (order of checks: body 400 -> unknown id 404 -> not local 403 -> apply).
"""

from __future__ import annotations

import random
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar, overload

from mockscim.dialect import search
from mockscim.dialect.attributes import CORE, WORKSPACE, Catalogue
from mockscim.dialect.body import canonicalize
from mockscim.dialect.copying import clone
from mockscim.dialect.errors import (
    InvalidJson,
    InvalidUser,
    NotLocalUser,
    UserExists,
    UserNotFound,
)
from mockscim.dialect.filter import Compare, Node
from mockscim.dialect.patch import apply_patch
from mockscim.dialect.rules import (
    LOCAL_USER_TYPES,
    check_manager,
    check_user,
    check_user_name,
    provisioned_missing,
)
from mockscim.dialect.search import SearchParams
from mockscim.tenant.clock import Clock, format_timestamp, stamp
from mockscim.tenant.custom import users_catalogue
from mockscim.tenant.directories import Directories
from mockscim.tenant.fixture_errors import PROGRESS_EVERY
from mockscim.tenant.fixtures import FixtureError, Fixtures, collector_paused, validate_users
from mockscim.tenant.journal import DEFAULT_SIZE as DEFAULT_JOURNAL_SIZE
from mockscim.tenant.journal import Journal
from mockscim.tenant.keys import SigningKey, signing_key
from mockscim.tenant.memberships import Memberships
from mockscim.tenant.oidc import Codes
from mockscim.tenant.scenarios import Scenarios
from mockscim.tenant.store import UserStore
from mockscim.tenant.stored import stored_user
from mockscim.tenant.tokens import TokenIssuer

__all__ = ["CreateResult", "Profile", "Tenant"]

User = dict[str, Any]
T = TypeVar("T")

#: The vendor's DELETE text has no final period, unlike PATCH's (vendor API description).
DELETE_NOT_FOUND = "The specified user does not exist"


@dataclass(frozen=True)
class Profile:
    """The switches of ``docs/dialect.md#profiles``, with their defaults."""

    #: False: the vendor's seven operators only. True: adds pr, and, or, parentheses.
    full_filter_grammar: bool = False
    #: False: PATCH answers 204 with no body. True: 200 with the user.
    patch_returns_user: bool = False
    #: The status for a missing, unknown or expired token: 403 (default) or 401.
    unauthenticated_status: int = 403
    #: False: SCIM calls need no token (quick local experiments).
    auth_required: bool = True
    #: None: no cap. A number: a larger ``count`` is cut to it.
    page_size_cap: int | None = None


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
    """All state of one emulated tenant."""

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
        scenarios: list[Any] | None = None,
        strict: bool = False,
        name: str = "mockscim",
        progress: Callable[[int, int], None] | None = None,
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
        self.tokens = self._token_issuer()
        #: Outstanding OpenID Connect authorization codes (:mod:`.oidc`).
        self.codes = Codes(self.clock, self._new_code)
        self.scenarios = Scenarios(seed)
        self.scenarios.on_token_expiry = self._token_expiry
        self.journal = Journal(journal_size)
        self.store = UserStore(data_path)
        self.groups = UserStore(share=self.store, table="groups", name_key="displayName")
        self.roles = UserStore(share=self.store, table="roles", name_key="displayName")
        self.fixtures = fixtures
        #: The user attributes of this tenant: the vendor's, and its custom ones (_load_config).
        self.catalogue: Catalogue
        self.directories = Directories(fixtures.directories)
        self.clients: dict[str, dict[str, Any]] = {}
        self.memberships = self._memberships()
        #: The fixtures the tables were installed from (a reset to them can roll back).
        self._installed: Fixtures | None = None
        self._load_config(fixtures)
        if not self.store.persistent or self.store.is_empty_on_disk():
            self._install(fixtures, progress)
        else:
            self.memberships.index()
        #: Scenarios every reset starts with (a scenarios file, CLI flags).
        self.base_scenarios: list[Any] = list(scenarios or [])
        self.scenarios.add_all(self.base_scenarios)

    # -- set-up ---------------------------------------------------------------------------------

    def _new_code(self) -> str:
        return self.tokens.new_id()

    def _token_issuer(self) -> TokenIssuer:
        return TokenIssuer(self.clock, lambda: self.signing_key, self.rng)

    @property
    def signing_key(self) -> SigningKey:
        """This tenant's RS256 key (:mod:`.keys`): its own, deterministic under a seed."""
        return signing_key(self.name, self.seed)

    def _memberships(self) -> Memberships:
        return Memberships(
            self.store,
            self.groups,
            self.roles,
            self.directories,
            stamp=self.stamp,
            new_id=self.new_id,
        )

    def _load_config(self, fixtures: Fixtures) -> None:
        self.catalogue = users_catalogue(self.name, fixtures.schemas)
        self.directories = Directories(fixtures.directories)
        self.memberships.directories = self.directories
        self.clients = {c["clientId"]: clone(c) for c in fixtures.clients}

    def _install(
        self, fixtures: Fixtures, progress: Callable[[int, int], None] | None = None
    ) -> None:
        """Groups and roles, then users (whose groups/roles attributes need the memberships);
        then a checkpoint, which the next reset rolls back to if the fixtures are the same."""
        with self.store.lock, collector_paused():
            self.memberships.install(fixtures)
            now = format_timestamp(self.clock.now())
            normalize = self._normalize_fixture_user
            records = fixtures.users
            users: list[User] = []
            for start in range(0, len(records), PROGRESS_EVERY):
                users += [normalize(u, now) for u in records[start : start + PROGRESS_EVERY]]
                if progress is not None:
                    progress(len(users), len(records))
            self.store.replace_all(users, copy=False)
            for store in (self.store, self.groups, self.roles):
                store.checkpoint()
            self._installed = fixtures

    def _roll_back(self, fixtures: Fixtures) -> bool:
        """Undo what changed since the install (:meth:`UserStore.rollback`), if the tenant
        holds these very fixtures and a checkpoint of each table; False: install instead."""
        if fixtures is not self._installed:
            return False
        with self.store.lock:
            stores = (self.store, self.groups, self.roles)
            if not all(store.can_roll_back for store in stores):
                return False
            memberships_changed = self.groups.changed or self.roles.changed
            for store in stores:
                store.rollback()
            if memberships_changed:
                self.memberships.index()
            return True

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
        self.tokens = self._token_issuer()
        self.codes = Codes(self.clock, self._new_code)
        self.scenarios.clear()
        self.journal.clear()
        if not self._roll_back(fixtures):
            self._install(fixtures)
        self.scenarios.add_all(self.base_scenarios)

    def load_users(self, records: list[Any]) -> list[User]:
        """Add users given in the fixture format (validated as fixtures are); returns them stored.

        A record whose ``id`` or ``userName`` is taken, or that fails validation, is a
        :class:`~mockscim.tenant.fixtures.FixtureError` and nothing is added.
        """
        users = validate_users(
            records,
            list(self.directories),
            known_ids=set(self.store.ids()),
            custom=self.fixtures.schemas,
        )
        stored = [self._normalize_fixture_user(u) for u in users]
        with self.store.lock:
            for index, user in enumerate(stored):
                label = f"userName {user['userName']!r}"
                if self.store.get(user["id"]) is not None:
                    raise FixtureError(
                        "users",
                        "The tenant has a user with this id.",
                        record=index,
                        label=label,
                        field="id",
                    )
                if self.store.id_for_username(user["userName"]) is not None:
                    raise FixtureError(
                        "users",
                        "The tenant has a user with this userName.",
                        record=index,
                        label=label,
                        field="userName",
                    )
            self.store.insert_many(stored)
        return stored

    def _token_expiry(self, after_seconds: int | None) -> None:
        if after_seconds is None:
            self.tokens.expire_all()
        else:
            self.tokens.limit_lifetime(after_seconds)

    def _normalize_fixture_user(self, record: User, now: str | None = None) -> User:
        now = now or format_timestamp(self.clock.now())
        return stored_user(record, self.name, self.memberships, self.directories, now)

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
        user = self.store.get(uid)
        if user is None:
            raise UserNotFound(f"no user with id {uid!r}", message=message)
        hidden = self.scenarios.is_missing(uid, user["userName"])
        if hidden:
            raise UserNotFound(f"user {uid} is missing (scenario {hidden})", message=message)
        return user

    def read_user(self, uid: str, use: Callable[[User], T]) -> T:
        """``use`` on the stored user without a copy (see :meth:`UserStore.read`); 404 as
        :meth:`get_user` (a ``missing`` scenario included)."""
        with self.store.lock:
            found = self.store.read(uid, lambda user: (user["userName"], use(user)))
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
        themselves under the store's lock (:meth:`UserStore.select_into`) and must neither change
        nor keep them (render and serialise, say): a search page then costs no copy at all."""
        ids = self._indexed_ids(params.filter)
        return self.store.select_into(
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
            found = self.store.id_for_username(node.value)
            return [found] if found else []
        if name == "externalId":
            return self.store.ids_for_external_id(node.value)
        return None

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
        directory = self._directory_for_create(user_type, domain)
        if user_type == "PROVISIONED":
            _require_provisioned_members(data)
        with self.store.lock:
            if self.store.id_for_username(user_name) is not None:
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
            self.store.insert(user)
        result = CreateResult(user)
        if "password" not in user and not send_mail:
            token = self.rng.randbytes(18).hex() if self.rng else secrets.token_urlsafe(24)
            result.extra_workspace["firstLoginUrl"] = (
                f"/SAAS/t/{self.name}/auth/password/activate?token={token}"
            )
        return result

    def _directory_for_create(self, user_type: str, domain: str | None) -> dict[str, Any]:
        if user_type == "LOCAL":
            if domain is not None and not self.directories.is_system_domain(domain):
                raise InvalidUser(f"domain {domain!r} is not the system directory's")
            return self.directories.system()
        if user_type == "PROVISIONED":
            directory = self.directories.for_domain(domain or "")
            if directory is None or directory["type"] != "OTHER":
                raise InvalidUser(f"domain {domain!r} is not the domain of an 'Other' directory")
            return directory
        raise InvalidUser(f"internalUserType {user_type!r} cannot be created through SCIM")

    def patch_user(self, uid: str, body: Any) -> User:
        """PATCH /Users/{id}: 400 body -> 404 -> 403 not local -> apply (``docs/dialect.md#patching-users``).

        The user returned shares its values with the stored one: read it (render, serialise),
        never change it."""
        canonical = canonicalize(body, catalogue=self.catalogue)  # 400 before anything else
        check_manager(canonical.body, InvalidJson)
        with self.store.lock:
            # The stored user itself, read under the lock and never changed: apply_patch makes
            # the new one (a copy each way was two of a PATCH's three deep copies).
            user = self.read_user(uid, _itself)
            if not self.is_local(user):
                raise NotLocalUser(f"user {uid} is not in a system or 'Other' directory")
            updated, _ = apply_patch(user, canonical, self.catalogue)
            new_name = updated.get("userName")
            check_user_name(new_name, InvalidJson)
            assert isinstance(new_name, str)
            # The domain is chosen at create, like the directory: a PATCH ignores it [decided].
            updated.setdefault(WORKSPACE, {})["domain"] = user[WORKSPACE]["domain"]
            directory = self.directories.get(user[WORKSPACE]["userStoreUuid"])
            assert directory is not None  # is_local said so
            check_user(updated, directory["domains"], InvalidJson)
            holder = self.store.id_for_username(new_name)
            if holder is not None and holder != uid:
                raise UserExists(f"userName {new_name!r} is taken")
            for readonly in ("id", "roles", "groups"):
                if readonly in user:
                    updated[readonly] = user[readonly]
            updated["meta"] = dict(user["meta"])
            self.stamp(updated)
            self.store.replace(updated, copy=False)
            return updated

    def delete_user(self, uid: str) -> None:
        """DELETE /Users/{id}: 404 unknown, 403 not local [decided], else gone."""
        with self.store.lock:
            # The vendor's DELETE text has no final period (spec), unlike PATCH's.
            user = self.get_user(uid, message=DELETE_NOT_FOUND)
            if not self.is_local(user):
                raise NotLocalUser(f"user {uid} is not in a system or 'Other' directory")
            self.store.delete(uid)
            self.memberships.drop_member(uid)


def _itself(user: User) -> User:
    return user


def _require_provisioned_members(data: dict[str, Any]) -> None:
    """A user for an "Other" directory needs name, one email and externalId (captures, 2022)."""
    missing = provisioned_missing(data)
    if missing:
        raise InvalidUser("a PROVISIONED user needs " + ", ".join(missing))

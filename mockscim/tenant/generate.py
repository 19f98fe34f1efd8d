"""A realistic tenant of any size, the same bytes for the same seed (``mockscim fixtures generate``).

What it holds (docs/fixtures.md#a-generated-tenant):

* directories: the System Domain and two of each other kind: Active Directory, "Other" (users
  an identity provider provisions over SCIM) and just-in-time;
* users of each: most local or Active Directory, some provisioned or just-in-time, a few
  operators and service accounts; named in several languages and scripts (:mod:`.generate_names`)
  with a Latin userName; titles, departments and managers (a tree per department), emails, phone
  numbers, some addresses and passwords, the enterprise extension and the packaged custom
  attributes (``sAMAccountName``, ``mailNickname``, ``employeeType``); 3% disabled, 1% deleted;
* groups: one per department holding its people and two nested groups (its leads, its on-call
  rota), a dynamic group per "Other" directory (its ``compositionRules`` and the users they
  select), Active Directory groups in each Active Directory;
* roles: Administrator, ReadOnly Admin, Help Desk (a group among its members) and Auditor;
* the packaged OAuth clients (``mockscim`` / ``mockscim-secret``).

Every record is complete, its id the one the loader would derive (:mod:`.fixture_defaults`),
so a generated tenant loads as written. ``base`` adds the generated records to other fixtures
(the benchmark adds them to the packaged ones): names that clash get another.
"""

from __future__ import annotations

import itertools
import json
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from mockscim.dialect.attributes import ENTERPRISE, WORKSPACE, tenant_extension
from mockscim.dialect.rules import SYSTEM_DOMAIN
from mockscim.tenant.fixture_defaults import derived_id
from mockscim.tenant.fixtures import Fixtures
from mockscim.tenant.generate_names import CULTURES, DEPARTMENTS, TITLES, Culture
from mockscim.tenant.packaged import default_fixtures

__all__ = ["FILES", "generate", "records_text", "write_fixtures"]

#: The files a fixtures directory is written as, and the Fixtures field of each.
FILES = (
    ("directories.json", "directories"),
    ("schemas.json", "schemas"),
    ("users.json", "users"),
    ("clients.json", "clients"),
    ("groups.json", "groups"),
    ("roles.json", "roles"),
)
_EPOCH = datetime(2019, 1, 1, tzinfo=UTC)
_CUSTOM = tenant_extension("mockscim")
#: (kind, internalUserType, weight): how the users spread over the directories.
_KINDS = (
    ("SYSTEM", "LOCAL", 38),
    ("SYSTEM", "OPERATOR", 1),
    ("SYSTEM", "SERVICE", 1),
    ("ACTIVE_DIRECTORY", "PROVISIONED", 36),
    ("OTHER", "PROVISIONED", 15),
    ("JIT", "JIT", 9),
)
_DIRECTORIES = (
    ("hq.example.com", "ACTIVE_DIRECTORY", "hq.example.com"),
    ("emea.example.com", "ACTIVE_DIRECTORY", "emea.example.com"),
    ("Okta (SCIM)", "OTHER", "okta.example.net"),
    ("Entra ID (SCIM)", "OTHER", "entra.example.net"),
    ("Supplier SSO (JIT)", "JIT", "suppliers.example.org"),
    ("Guest SSO (JIT)", "JIT", "guests.example.org"),
)
_CULTURE_WEIGHTS = list(itertools.accumulate(c.weight for c in CULTURES))
#: The names of the generated directories (the others come from ``base``).
_GENERATED = frozenset(name for name, _, _ in _DIRECTORIES)

Record = dict[str, Any]


def _stamp(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds")[:23] + "Z"


def _meta(created: datetime, modified: datetime) -> Record:
    return {"created": _stamp(created), "lastModified": _stamp(modified)}


def _dc(domain: str) -> str:
    return ",".join(f"DC={label}" for label in domain.split("."))


def _escape_dn(text: str) -> str:
    return "".join("\\" + c if c in ',+"\\<>;=' else c for c in text)


@dataclass
class _Person:
    """What the groups and roles need of a generated user."""

    id: str
    display: str
    kind: str
    directory: Record
    department: str
    status: str
    leader: bool = False


@dataclass
class _Tenant:
    rng: random.Random
    directories: list[Record]
    taken: set[str]
    users: list[Record] = field(default_factory=list)
    people: list[_Person] = field(default_factory=list)
    leaders: dict[str, list[_Person]] = field(default_factory=dict)
    when: datetime = _EPOCH
    #: The directories a user of each kind may be drawn into (the generated ones, and the
    #: base's System Domain).
    by_kind: dict[str, list[Record]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for directory in self.directories:
            if directory["type"] == "SYSTEM" or directory["name"] in _GENERATED:
                self.by_kind.setdefault(directory["type"], []).append(directory)

    def moment(self, span_days: int) -> datetime:
        seconds = self.rng.randrange(span_days * 86400)
        return self.when + timedelta(seconds=seconds, milliseconds=self.rng.randrange(1000))

    def user_name(self, wanted: str) -> str:
        local, at, domain = wanted.partition("@")
        name, number = wanted, 1
        while name.casefold() in self.taken:
            number += 1
            name = f"{local}{number}{at}{domain}"
        self.taken.add(name.casefold())
        return name


def _directories(base: Fixtures | None) -> list[Record]:
    out = list(base.directories) if base is not None else []
    if not any(d["type"] == "SYSTEM" for d in out):
        out.insert(
            0,
            {
                "id": derived_id("directory", SYSTEM_DOMAIN),
                "name": SYSTEM_DOMAIN,
                "type": "SYSTEM",
                "domains": [SYSTEM_DOMAIN],
            },
        )
    names = {d["name"].casefold() for d in out}
    domains = {domain.casefold() for d in out for domain in d["domains"]}
    for name, kind, domain in _DIRECTORIES:
        if name.casefold() not in names and domain.casefold() not in domains:
            out.append(
                {
                    "id": derived_id("directory", name),
                    "name": name,
                    "type": kind,
                    "domains": [domain],
                }
            )
    return out


def _user(tenant: _Tenant, index: int, kind: str, user_type: str) -> Record:
    rng = tenant.rng
    culture: Culture = rng.choices(CULTURES, cum_weights=_CULTURE_WEIGHTS)[0]
    (given, given_latin), (family, family_latin) = (
        rng.choice(culture.given),
        rng.choice(culture.family),
    )
    directory = rng.choice(tenant.by_kind[kind])
    domain = directory["domains"][0]
    department = rng.choice(DEPARTMENTS)
    display = f"{family} {given}" if culture.family_first else f"{given} {family}"
    dotted = f"{given_latin}.{family_latin}"
    if user_type == "SERVICE":
        given, family, display = "Service", department, f"Service {department} {index}"
        wanted = f"svc-{department.lower()}-{index}"
    elif user_type == "OPERATOR":
        wanted = f"op.{dotted}"
    elif kind == "ACTIVE_DIRECTORY":
        wanted = f"{given_latin[0]}{family_latin}"
    elif kind in ("OTHER", "JIT"):
        wanted = f"{dotted}@{domain}"
    else:
        wanted = dotted
    user_name = tenant.user_name(wanted)
    uid = derived_id("user", user_name)
    roll = rng.random()
    status = "3" if roll < 0.01 and kind != "JIT" else "2" if roll < 0.04 else "1"
    created = tenant.moment(4 * 365)
    modified = created + timedelta(seconds=rng.randrange(365 * 86400))
    company = kind in ("SYSTEM", "ACTIVE_DIRECTORY") and user_type != "SERVICE"
    mail = (
        user_name
        if "@" in user_name
        else f"{user_name}@{'example.com' if kind == 'SYSTEM' else domain}"
    )
    user: Record = {
        "id": uid,
        "userName": user_name,
        "name": {"givenName": given, "familyName": family},
        "displayName": display,
        "title": rng.choice(TITLES) if company else "Partner",
        "userType": "Employee" if company else "Guest" if kind == "JIT" else "Partner",
        "preferredLanguage": culture.language,
        "locale": culture.locale,
        "timeZone": culture.time_zone,
        "active": status == "1",
    }
    if kind == "OTHER":
        user = {"id": uid, "externalId": f"00u{rng.getrandbits(68):017x}", **user}
    if user_type == "LOCAL" and rng.random() < 0.02:
        user["password"] = "Welcome1!"
    user["emails"] = [{"value": mail, "type": "work", "primary": True}]
    if rng.random() < 0.1:
        home = f"{family_latin}.{given_latin}{rng.randrange(10, 100)}@mail.example"
        user["emails"].append({"value": home, "type": "home", "primary": False})
    if rng.random() < 0.6:
        work = f"{culture.phone} {rng.randrange(1000000, 10000000)}"
        user["phoneNumbers"] = [{"value": work, "type": "work", "primary": True}]
    if rng.random() < 0.15:
        city = culture.time_zone.rsplit("/", 1)[-1].replace("_", " ")
        user["addresses"] = [
            {
                "streetAddress": f"{rng.randrange(1, 400)} Example Street",
                "locality": city,
                "country": culture.locale[-2:],
                "type": "work",
                "primary": True,
            }
        ]
    user["meta"] = _meta(created, modified)
    workspace: Record = {
        "internalUserType": user_type,
        "userStatus": status,
        "domain": domain,
        "userStoreUuid": directory["id"],
    }
    if kind == "ACTIVE_DIRECTORY":
        ou = f"OU={department},OU=Staff,{_dc(domain)}"
        workspace["distinguishedName"] = f"CN={_escape_dn(display)},{ou}"
        workspace["userPrincipalName"] = f"{user_name}@{domain}"
    if status == "3":
        workspace["softDeleted"] = True
    user[WORKSPACE] = workspace
    person = _Person(uid, display, user_type, directory, department, status)
    if company:
        enterprise: Record = {
            "employeeNumber": str(100000 + index),
            "costCenter": f"CC-{DEPARTMENTS.index(department) + 1}{rng.randrange(100):02d}",
            "organization": "Example Corporation",
            "department": department,
        }
        leaders = tenant.leaders.setdefault(department, [])
        if leaders:
            boss = rng.choice(leaders)
            enterprise["manager"] = {"managerId": boss.id, "displayName": boss.display}
        if not leaders or rng.random() < 0.12:
            person.leader = True
            leaders.append(person)
        user[ENTERPRISE] = enterprise
        custom: Record = {"employeeType": rng.choice(("Employee",) * 8 + ("Contractor", "Intern"))}
        if kind == "ACTIVE_DIRECTORY":
            custom = {"sAMAccountName": user_name, "mailNickname": dotted, **custom}
        user[_CUSTOM] = custom
    tenant.people.append(person)
    return user


def _group(
    name: str,
    directory: Record,
    members: Sequence[tuple[str, str, str]],
    meta: Record,
    **workspace: str,
) -> Record:
    return {
        "id": derived_id("group", name),
        "displayName": name,
        "members": [{"value": v, "type": t, "display": d} for v, t, d in members],
        "meta": meta,
        WORKSPACE: {
            "internalGroupType": workspace.pop("internalGroupType", "INTERNAL"),
            "domain": directory["domains"][0],
            "userStoreUuid": directory["id"],
            **workspace,
        },
    }


def _groups(tenant: _Tenant, meta: Record) -> list[Record]:
    rng = tenant.rng
    system = next(d for d in tenant.directories if d["type"] == "SYSTEM")
    live = [p for p in tenant.people if p.status != "3"]
    groups: list[Record] = []
    for department in DEPARTMENTS:
        staff = [
            p for p in live if p.department == department and p.kind in ("LOCAL", "PROVISIONED")
        ]
        staff = [p for p in staff if p.directory["type"] in ("SYSTEM", "ACTIVE_DIRECTORY")]
        leads = [p for p in staff if p.leader]
        on_call = [p for p in staff if rng.random() < 0.05]
        children = []
        for suffix, people in (("Leads", leads), ("On Call", on_call)):
            child = _group(
                f"{department} {suffix}", system, [(p.id, "User", p.display) for p in people], meta
            )
            children.append(child)
        members = [(p.id, "User", p.display) for p in staff]
        members += [(c["id"], "Group", c["displayName"]) for c in children]
        groups.append(
            _group(department, system, members, meta, description=f"The {department} department")
        )
        groups += children
    for directory in tenant.directories:
        domain = directory["domains"][0]
        if directory["name"] not in _GENERATED:
            continue
        if directory["type"] == "OTHER":
            rule = {
                "addedUserIds": [],
                "excludedUserIds": [],
                "rule": {
                    "type": "attribute",
                    "attribute": "domain",
                    "operator": "equals",
                    "value": domain,
                },
            }
            people = [p for p in live if p.directory is directory]
            groups.append(
                _group(
                    f"{directory['name']} users",
                    system,
                    [(p.id, "User", p.display) for p in people],
                    meta,
                    internalGroupType="DYNAMIC",
                    description=f"Everyone {directory['name']} provisions",
                    compositionRules=json.dumps(rule, indent=2),
                )
            )
        elif directory["type"] == "ACTIVE_DIRECTORY":
            people = [p for p in live if p.directory is directory]
            prefix = domain.split(".")[0].upper()
            for name, share in (("VPN Users", 0.3), ("Domain Admins", 0.005)):
                chosen = [p for p in people if rng.random() < share] or people[:1]
                groups.append(
                    _group(
                        f"{prefix} {name}",
                        directory,
                        [(p.id, "User", p.display) for p in chosen],
                        meta,
                        internalGroupType="EXTERNAL",
                        distinguishedName=f"CN={name},OU=Groups,{_dc(domain)}",
                        description="Synchronised from Active Directory",
                    )
                )
    return groups


def _roles(tenant: _Tenant, groups: list[Record], meta: Record) -> list[Record]:
    rng = tenant.rng
    local = [p for p in tenant.people if p.kind == "LOCAL" and p.status == "1"]
    support = next((g for g in groups if g["displayName"] == "Support"), None)
    roles = []
    for name, share, description in (
        ("Administrator", 0.002, "Full administrator"),
        ("ReadOnly Admin", 0.004, "read-only admin with limited access"),
        ("Help Desk", 0.01, "Resets passwords, unlocks accounts"),
        ("Auditor", 0.002, "Reads the audit log"),
    ):
        chosen = [p for p in local if rng.random() < share] or local[:1]
        members = [{"value": p.id, "type": "User", "display": p.display} for p in chosen]
        if name == "Help Desk" and support is not None:
            members.append({"value": support["id"], "type": "Group", "display": "Support"})
        roles.append(
            {
                "id": derived_id("role", name),
                "displayName": name,
                "members": members,
                "meta": meta,
                WORKSPACE: {"description": description},
            }
        )
    return roles


def generate(users: int, *, seed: int = 1, base: Fixtures | None = None) -> Fixtures:
    """A tenant of ``users`` users (see the module docstring); the same for the same seed.
    With ``base``, its records first and the generated ones added (clashing names skipped or
    renamed)."""
    if users < 0:
        raise ValueError("users must be 0 or more")
    rng = random.Random(seed)
    taken = {u["userName"].casefold() for u in base.users} if base is not None else set()
    tenant = _Tenant(rng, _directories(base), taken)
    kinds = [(k, t) for k, t, _ in _KINDS]
    weights = list(itertools.accumulate(w for _, _, w in _KINDS))
    for index in range(users):
        kind, user_type = rng.choices(kinds, cum_weights=weights)[0]
        tenant.users.append(_user(tenant, index, kind, user_type))
    meta = _meta(_EPOCH, _EPOCH + timedelta(days=900))
    groups = _groups(tenant, meta)
    roles = _roles(tenant, groups, meta)
    if base is None:
        packaged = default_fixtures()
        clients = json.loads(packaged.joinpath("clients.json").read_text("utf-8"))
        schemas = json.loads(packaged.joinpath("schemas.json").read_text("utf-8"))
        return Fixtures(tenant.directories, tenant.users, clients, groups, roles, schemas)
    group_names = {g["displayName"].casefold() for g in base.groups}
    role_names = {r["displayName"].casefold() for r in base.roles}
    renamed = {}
    for group in groups:
        if group["displayName"].casefold() in group_names:
            old = group["id"]
            group["displayName"] += " (generated)"
            group["id"] = renamed[old] = derived_id("group", group["displayName"])
    for record in groups + roles:
        for member in record["members"]:
            member["value"] = renamed.get(member["value"], member["value"])
    return Fixtures(
        tenant.directories,
        [*base.users, *tenant.users],
        base.clients,
        [*base.groups, *groups],
        [*base.roles, *(r for r in roles if r["displayName"].casefold() not in role_names)],
        base.schemas,
    )


_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": "))


def _lines(records: list[Record]) -> Iterator[str]:
    """A fixtures file's text in pieces: one record a line (diffs stay small), UTF-8 as written."""
    if not records:
        yield "[]\n"
        return
    yield "[\n"
    last = len(records) - 1
    for index, record in enumerate(records):
        yield "  " + _ENCODER.encode(record) + (",\n" if index < last else "\n")
    yield "]\n"


def records_text(records: list[Record]) -> str:
    """A fixtures file's text (:func:`write_fixtures` writes it piece by piece)."""
    return "".join(_lines(records))


def write_fixtures(fixtures: Fixtures, target: Path) -> list[str]:
    """Write ``fixtures`` into the directory ``target`` (which exists); the names written."""
    written = []
    for name, attribute in FILES:
        with (target / name).open("w", encoding="utf-8", newline="\n") as out:
            out.writelines(_lines(getattr(fixtures, attribute)))
        written.append(name)
    return written

"""Strict mode's checks of bodies: ``PATCH /Users/{id}`` and ``POST /Users``
(``docs/dialect.md#patching-users``, ``#reading-creating-and-deleting-users``).

Bodies are read by the dialect's own reader (:func:`mockscim.dialect.body.canonicalize`; the
view's reading is reused when there is one) and checked against :mod:`mockscim.dialect.rules`,
so a ``rejected`` finding appears exactly where the service rejects.

Pure: imports only the standard library and the dialect.
"""

from __future__ import annotations

from typing import Any

from mockscim.dialect.attributes import (
    COMPLEX,
    CORE,
    ENTERPRISE,
    EXTENSIONS,
    USERS,
    WORKSPACE,
    Attr,
    AttrRef,
    Catalogue,
    UnknownAttribute,
    lookup,
    resolve,
)
from mockscim.dialect.body import Canonical, canonicalize
from mockscim.dialect.errors import ScimError
from mockscim.dialect.findings.catalogue import Checks, Report
from mockscim.dialect.findings.hints import (
    ADD_OPERATIONS,
    PATCH_OP_URN,
    SCIM2_URNS,
    member_named,
    show,
    suggest_path,
    unknown_member_hint,
)
from mockscim.dialect.redaction import redact_json
from mockscim.dialect.rules import (
    CREATABLE_USER_TYPES,
    MAX_USERNAME,
    provisioned_missing,
    user_name_problem,
)

__all__ = ["BodyChecks"]


class BodyChecks(Checks):
    """``PATCH /Users/{id}`` and ``POST /Users`` bodies: SCIM 2.0 shapes, types, unknown and
    read-only members, multi-valued operations, the create rules."""

    def __init__(
        self,
        report: Report,
        body: Any,
        canonical: Canonical | None = None,
        stored: dict[str, Any] | None = None,
        catalogue: Catalogue = USERS,
    ) -> None:
        super().__init__(report)
        self.body = body
        #: The tenant's user attributes (its custom ones included).
        self.catalogue = catalogue
        #: The body as the view read it, when it did (then it is not read again).
        self.canonical = canonical
        #: The user a PATCH was about, when known: read-only members sent back unchanged (a GET
        #: reply echoed) are not findings.
        self.stored = stored

    def echoed(self, schema: str, attr: Attr, value: Any) -> bool:
        """Does a PATCH send this read-only member back as the user holds it?"""
        if self.stored is None:
            return False
        holder = self.stored if schema == CORE else self.stored.get(schema)
        have = holder.get(attr.name) if isinstance(holder, dict) else None
        if attr.multi and isinstance(value, list) and isinstance(have, list):
            return _values(value) == _values(have)
        return bool(value == have)

    def check_body(self, *, create: bool) -> None:
        what = "POST /Users" if create else "PATCH"
        body = self.body
        example = '{"userName": "ann.lee"}' if create else '{"title": "Manager"}'
        if body is None:
            self.add("body.invalid-json", f"the {what} request has no body", f"send {example}")
            return
        if not isinstance(body, dict):
            self.not_an_object(body, what, example)
            return
        scim2 = self.check_scim2(body, what)
        bad_paths = self.check_meta_attributes(body)
        checked = _without_meta_attributes(body, bad_paths) if bad_paths else body
        try:
            canonical = (
                self.canonical
                if self.canonical is not None and checked is body
                else canonicalize(checked, catalogue=self.catalogue)
            )
        except ScimError as exc:
            self.add(
                "body.wrong-type",
                f"the {what} body has a member of the wrong type: {exc.detail}",
                "send strings as JSON strings, booleans as true/false, name/manager as objects "
                "and multi-valued attributes as arrays of objects",
            )
            return
        for path in canonical.unknown:
            if path.lower() == "operations" and scim2:
                continue
            hint = unknown_member_hint(path)
            self.add(
                "body.unknown-member",
                f"body member {path!r} is not a user attribute: the service ignores it",
                hint or "remove it; see the SCIM 1.1 user attributes (userName, name, emails...)",
            )
        data = canonical.body
        self.check_read_only(data, create=create)
        if create:
            self.check_create(data)
            return
        self.check_items(data)
        self.check_username_removed(data)
        if not scim2 and not _changes_something(data, self.catalogue):
            self.add(
                "patch.no-known-member",
                "the PATCH body changes nothing: without unknown and read-only members no "
                f"attribute is left ({show(redact_json(body))})",
                'send the attributes to change, e.g. {"title": "Manager"}; list attributes to '
                'remove in {"meta": {"attributes": ["title"]}}',
            )

    def check_scim2(self, body: dict[Any, Any], what: str) -> bool:
        found_ops, _ = member_named(body, "Operations")
        _, schemas = member_named(body, "schemas")
        schema_list = schemas if isinstance(schemas, list) else [schemas]
        urns = [s for s in schema_list if isinstance(s, str)]
        patch_op = next((s for s in urns if s.strip().lower() == PATCH_OP_URN), None)
        scim2 = False
        if found_ops or patch_op is not None:
            scim2 = True
            named = "'Operations'" if found_ops else f"schemas {patch_op!r}"
            self.add(
                "patch.scim2-operations",
                f"the {what} body is a SCIM 2.0 PatchOp ({named}): the service reads a SCIM 1.1 "
                "partial user and ignores Operations (a body of operations only changes nothing)",
                'send the attributes themselves ({"title": "Manager"}); remove items of a '
                'multi-valued attribute with {"emails": [{"value": "...", "operation": "delete"}]}; '
                'remove attributes with {"meta": {"attributes": ["title"]}}',
            )
        # Only a body that declares no SCIM 1.1 schema at all speaks SCIM 2.0: the tenant reads a
        # body that also names urn:scim:schemas:core:1.0 as SCIM 1.1 (schemas is read-only).
        if not any(urn.strip().lower() == CORE.lower() for urn in urns):
            for urn in urns:
                low = urn.strip().lower()
                if low in SCIM2_URNS:
                    target = SCIM2_URNS[low]
                    self.add(
                        "body.scim2-schema",
                        f"schemas names the SCIM 2.0 schema {urn!r} and no SCIM 1.1 schema: the "
                        "service speaks SCIM 1.1",
                        f"use {target!r}"
                        + (
                            ", and put enterprise attributes in an object of that name"
                            if target == ENTERPRISE
                            else ""
                        ),
                    )
        return scim2

    def check_meta_attributes(self, body: dict[Any, Any]) -> list[str]:
        """Report unknown names in ``meta.attributes``; answer them (canonicalize rejects them)."""
        _, meta = member_named(body, "meta")
        if not isinstance(meta, dict):
            return []
        _, names = member_named(meta, "attributes")
        if isinstance(names, str):
            names = [names]  # canonicalize wraps a single name in a list
        if not isinstance(names, list):
            return []
        bad: list[str] = []
        for text in names:
            if not isinstance(text, str):
                continue
            try:
                self.catalogue.resolve(text)
            except UnknownAttribute:
                bad.append(text)
                hit = suggest_path(text)
                self.add(
                    "body.meta-attributes-unknown",
                    f"meta.attributes names the unknown attribute {show(text)}",
                    f"did you mean {hit!r}?" if hit else "name user attributes to remove",
                )
        return bad

    def check_read_only(self, data: dict[str, Any], *, create: bool) -> None:
        what = "POST /Users" if create else "PATCH"
        for name, value in data.items():
            if name in EXTENSIONS:
                if not isinstance(value, dict):
                    continue
                for sub, member in value.items():
                    attr = lookup(name, sub)
                    if attr is None or not attr.readonly or member is None:
                        continue
                    if create and attr.name == "internalUserType":
                        continue
                    if not create and self.echoed(name, attr, member):
                        continue
                    self.add(
                        "body.read-only-member",
                        f"{name}:{attr.name} is read-only: {what} ignores it",
                        f"remove {attr.name!r} from the body; the service sets it",
                    )
                continue
            attr = lookup(CORE, name)
            if attr is None or not attr.readonly or value is None or name == "schemas":
                continue
            if name != "meta" and not create and self.echoed(CORE, attr, value):
                continue
            if name == "meta" and isinstance(value, dict):
                for sub in value:
                    # A PATCH of a known user that sends its meta back asks for nothing.
                    echo = not create and self.stored is not None
                    if sub != "attributes" and value[sub] is not None and not echo:
                        self.add(
                            "body.read-only-member",
                            f"meta.{sub} is read-only: {what} ignores it",
                            "remove it; only meta.attributes (the attributes to remove) is read",
                        )
                removed = value.get("attributes") or []
                for path in removed:
                    ref = _resolve_or_none(path)
                    if ref is not None and ref.attr.readonly:
                        self.add(
                            "body.read-only-member",
                            f"meta.attributes names the read-only {path!r}: removing it does "
                            "nothing",
                            f"leave {path!r} out of meta.attributes",
                        )
                continue
            fix = f"remove {name!r} from the body"
            if name in ("groups", "roles"):
                target = "/Groups/{id}" if name == "groups" else "/Roles/{id}"
                fix = (
                    f"change memberships with PATCH {target} "
                    '{"members": [{"value": "<user id>", "type": "User"}]}'
                )
            self.add("body.read-only-member", f"{name!r} is read-only: {what} ignores it", fix)

    def check_items(self, data: dict[str, Any]) -> None:
        for name, value in data.items():
            attr = lookup(CORE, name) if name not in EXTENSIONS else None
            if attr is None or not attr.multi or attr.type != COMPLEX or attr.readonly:
                continue
            if not isinstance(value, list):
                continue
            key = "type" if attr.name == "addresses" else "value"
            for i, item in enumerate(value):
                if not isinstance(item, dict):
                    continue
                operation = item.get("operation")
                if not isinstance(operation, str):
                    continue
                where = f"{attr.name}[{i}]"
                if operation.lower() == "delete":
                    if not isinstance(item.get(key), str):
                        self.add(
                            "patch.delete-without-value",
                            f'{where} has "operation": "delete" but no {key!r}: it matches no '
                            "stored item and removes nothing",
                            f"name the {key} of the item to delete, or remove every item with "
                            f'{{"meta": {{"attributes": ["{attr.name}"]}}}}',
                        )
                elif operation.strip().lower() not in ADD_OPERATIONS:
                    self.add(
                        "patch.unknown-operation",
                        f'{where}.operation is {operation!r}, not "delete": the item is added '
                        "or updated, not removed",
                        'send "operation": "delete" to remove the item; leave operation out to '
                        "add or update it",
                    )

    def check_username_removed(self, data: dict[str, Any]) -> None:
        meta = data.get("meta")
        removed = meta.get("attributes") if isinstance(meta, dict) else None
        present = "userName" in data
        value = data.get("userName")
        usable = isinstance(value, str) and bool(value.strip())
        if present and not usable:
            self.add(
                "patch.username-removed",
                f"userName is {show(value)}: a user cannot lose its userName",
                "leave userName out of the body, or send the new userName",
            )
        elif isinstance(removed, list) and "userName" in removed and not usable:
            self.add(
                "patch.username-removed",
                "meta.attributes removes userName: a user cannot lose its userName",
                "leave userName out of meta.attributes, or send the new userName in the body",
            )

    def check_create(self, data: dict[str, Any]) -> None:
        name = data.get("userName")
        if not isinstance(name, str) or not name.strip():
            self.add(
                "create.invalid-username",
                "the POST /Users body has no userName"
                if name is None
                else f"the POST /Users body has an empty userName ({show(name)})",
                'send a non-empty "userName" string',
            )
        elif user_name_problem(name) is not None:
            self.add(
                "create.invalid-username",
                f"userName {show(name, 40)} is longer than {MAX_USERNAME} characters or holds "
                "control characters",
                f"send a userName of at most {MAX_USERNAME} printable characters",
            )
        workspace = data.get(WORKSPACE)
        user_type = workspace.get("internalUserType") if isinstance(workspace, dict) else None
        if user_type and user_type not in CREATABLE_USER_TYPES:
            upper = user_type.strip().upper()
            hint = f": write {upper!r} in upper case" if upper in CREATABLE_USER_TYPES else ""
            self.add(
                "create.user-type",
                f"{WORKSPACE}:internalUserType {user_type!r} cannot be created through SCIM",
                "leave it out (or LOCAL) for the system directory, or send PROVISIONED with the "
                f"domain of an 'Other' directory{hint}",
            )
        if user_type == "PROVISIONED":
            missing = provisioned_missing(data)
            if missing:
                self.add(
                    "create.provisioned-incomplete",
                    "a PROVISIONED user needs " + ", ".join(missing),
                    "send name.givenName, name.familyName, exactly one email and externalId",
                )


def _resolve_or_none(path: object) -> AttrRef | None:
    if not isinstance(path, str):
        return None
    try:
        return resolve(path)
    except UnknownAttribute:
        return None


def _without_meta_attributes(body: dict[Any, Any], bad: list[str]) -> dict[Any, Any]:
    """A shallow copy of ``body`` whose ``meta.attributes`` lists leave out ``bad`` names."""
    out: dict[Any, Any] = {}
    drop = set(bad)
    for key, value in body.items():
        if str(key).lower() == "meta" and isinstance(value, dict):
            meta: dict[Any, Any] = {}
            for sub, names in value.items():
                if str(sub).lower() == "attributes" and isinstance(names, str) and names in drop:
                    names = []
                elif str(sub).lower() == "attributes" and isinstance(names, list):
                    names = [n for n in names if not (isinstance(n, str) and n in drop)]
                meta[sub] = names
            value = meta
        out[key] = value
    return out


def _changes_something(data: dict[str, Any], catalogue: Catalogue) -> bool:
    """Does a canonical PATCH body write or remove any attribute the service lets a client own?"""
    for name, value in data.items():
        if name in catalogue.extensions:
            if isinstance(value, dict):
                for sub, member in value.items():
                    attr = catalogue.lookup(name, sub)
                    if attr is not None and not attr.readonly and _writes(attr, member):
                        return True
            continue
        if name == "meta":
            removed = value.get("attributes") if isinstance(value, dict) else None
            for path in removed or ():
                ref = _resolve_or_none(path)
                if ref is not None and not ref.attr.readonly:
                    return True
            continue
        attr = lookup(CORE, name)
        if attr is not None and not attr.readonly and _writes(attr, value):
            return True
    return False


def _writes(attr: Attr, value: Any) -> bool:
    """Does a canonical ``value`` for ``attr`` change anything (null removes; {} and [] do not)?"""
    if value is None:
        return True
    if attr.multi and attr.type == COMPLEX:
        return isinstance(value, list) and any(isinstance(i, dict) and i for i in value)
    if attr.type == COMPLEX or attr.multi:
        return bool(value)
    return True


def _values(items: list[Any]) -> set[str]:
    """The ``value`` of each item of a multi-valued attribute."""
    return {str(i.get("value")) for i in items if isinstance(i, dict)}

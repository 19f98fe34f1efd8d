"""The wire form of stored resources: what a tenant answers for a user, a group or a role.

A stored resource is the wire resource minus what is derived when it is answered (``schemas``,
``meta.location``) plus what is never answered (``password``). ``attributes`` and
``excludedAttributes`` then cut it down (``docs/dialect.md#searching-users``).

Pure: imports only the standard library and the dialect.
"""

from __future__ import annotations

from typing import Any

from mockscim.dialect import attributes
from mockscim.dialect.attributes import CORE, ENTERPRISE, WORKSPACE, is_tenant_extension

__all__ = ["render", "render_group", "shape"]

User = dict[str, Any]
Resource = dict[str, Any]


def render(user: User, users_url: str, *, extra_workspace: dict[str, Any] | None = None) -> User:
    """The wire form of a stored user: schemas and meta.location added, password removed."""
    out: User = {"schemas": [CORE, WORKSPACE, ENTERPRISE]}
    for key, value in user.items():
        if key == "password":
            continue
        if is_tenant_extension(key):
            out["schemas"].append(key)
        out[key] = value
    meta = dict(out.get("meta", {}))
    meta["location"] = f"{users_url}/{user['id']}"
    out["meta"] = meta
    if extra_workspace:
        out[WORKSPACE] = {**out.get(WORKSPACE, {}), **extra_workspace}
    return out


def shape(
    user: User, refs: tuple[attributes.AttrRef, ...], excluded: tuple[attributes.AttrRef, ...]
) -> User:
    """Apply ``attributes`` then ``excludedAttributes`` to a rendered user.

    Changes the top level of ``user`` (a render's own dict) and nothing below it: what it removes
    from an extension or a complex value it removes from a copy, so a stored user rendered in
    place (no deep copy) stays as it is.
    """
    out = attributes.project(user, refs) if refs else user
    for ref in excluded:
        if ref.attr.name in ("id", "schemas") and ref.schema == CORE:
            continue
        holder = out if ref.schema == CORE else out.get(ref.schema)
        if not isinstance(holder, dict) or ref.attr.name not in holder:
            continue
        if holder is not out:
            holder = out[ref.schema] = dict(holder)
        name = ref.attr.name
        if ref.sub is None:
            holder.pop(name)
            continue
        sub = ref.sub.name
        value = holder[name]
        if isinstance(value, dict):
            holder[name] = {k: v for k, v in value.items() if k != sub}
        elif isinstance(value, list):
            holder[name] = [
                {k: v for k, v in item.items() if k != sub} if isinstance(item, dict) else item
                for item in value
            ]
    return out


def render_group(
    group: Resource,
    url: str,
    members: list[dict[str, Any]],
    parents: list[dict[str, Any]] | None = None,
) -> Resource:
    """The wire form of a stored group (``parents`` given) or role (``parents`` None): schemas,
    ``members`` as given (names as they are now), ``meta.location``, and a group's workspace
    ``parents`` when it has any."""
    out: Resource = {"schemas": [CORE, WORKSPACE]}
    out.update(group)
    out["members"] = members
    meta = dict(out.get("meta", {}))
    meta["location"] = f"{url}/{group['id']}"
    out["meta"] = meta
    if parents is not None:
        workspace = dict(out.get(WORKSPACE, {}))
        if parents:
            workspace["parents"] = parents
        out[WORKSPACE] = workspace
    return out

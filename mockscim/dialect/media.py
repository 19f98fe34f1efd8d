"""The vendor's ``vnd`` media types beyond SCIM: which a body may be sent as, which a reply is
(``docs/dialect.md#catalog-and-entitlements``).

The vendor API description names its types ``application/vnd.omnissa.horizon.manager.<family>+json``;
older tenants and clients (priam: HTTP helper (its ``util`` package) builds every type from the prefix
``application/vnd.vmware.horizon.manager.``) spell them ``vnd.vmware``. Both spellings of a family
are that family, and plain ``application/json`` is any family.

Pure: imports nothing outside the standard library.
"""

from __future__ import annotations

import re

from mockscim.dialect.api_errors import UnsupportedMediaType

__all__ = ["JSON", "answer_type", "check_body_type", "vnd"]

JSON = "application/json"
_VND = re.compile(r"application/vnd\.(?:omnissa|vmware)\.horizon\.manager\.([a-z0-9.]+)\+json")


def vnd(family: str) -> str:
    """The description's spelling of a family: ``application/vnd.omnissa.horizon.manager.<family>+json``."""
    return f"application/vnd.omnissa.horizon.manager.{family}+json"


def _essence(value: str) -> str:
    """``Application/JSON; charset=UTF-8`` -> ``application/json``."""
    return value.split(";", 1)[0].strip().lower()


def check_body_type(content_type: str | None, families: tuple[str, ...]) -> None:
    """A body sent as ``content_type`` is read when the header is absent (clients omit it:
    ``docs/dialect.md#paths``), ``application/json``, or a ``vnd`` type of one of ``families``
    in either spelling; anything else is a 415 :class:`UnsupportedMediaType` [decided]."""
    essence = _essence(content_type or "")
    if essence in ("", JSON):
        return
    found = _VND.fullmatch(essence)
    if found is None or found.group(1) not in families:
        raise UnsupportedMediaType(
            f"Content-Type {content_type!r}; this operation reads {families}"
        )


def answer_type(accept: str | None, families: tuple[str, ...]) -> str:
    """The media type of a reply: the first type ``Accept`` names that the operation produces,
    spelt as the client spelt it (a ``vnd`` type of one of ``families``, or ``application/json``);
    for anything else (no ``Accept``, ``*/*``, a type of another family) the description's default,
    the first family's ``vnd.omnissa`` type [decided: never a 406; priam keeps the Accept of its
    previous call]."""
    for part in (accept or "").split(","):
        essence = _essence(part)
        if essence == JSON:
            return JSON
        found = _VND.fullmatch(essence)
        if found is not None and found.group(1) in families:
            return essence
    return vnd(families[0])

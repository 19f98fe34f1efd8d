"""Deterministic pseudonyms for a snapshot (``mockscim snapshot --redact``): what names a person
is replaced, what gives a directory its shape is kept.

Replaced: names (given, family, middle, formatted, display, nick, a manager's), userNames,
emails (the local part), phone numbers, external ids and employee numbers, the person's part
of distinguished names (``CN``, ``UID``) and principal names, street addresses and postal codes, IM handles,
photo and profile URLs (all but the host), certificates, and the tenant's custom string
attributes. Kept: ids, domains, types, statuses, timestamps, titles, departments and the like,
group and role names, and every reference (members, managers), so the group structure is the
tenant's.

Each word (a run of letters or digits) becomes a pseudonym of the same length, digits for
digits and ASCII letters for letters, in the word's case pattern: an HMAC-SHA256 of the word
(case-folded) under a key. So one word becomes the same pseudonym wherever it stands ("John" in
``givenName``, ``displayName``, ``john.doe@corp.example.com``, a member's ``display``), and the
same snapshot redacted with the same key gives the same bytes. The default key is fixed, so runs
repeat; a key of your own (``--redact-key``) keeps anyone without it from testing guesses
against the pseudonyms. Two userNames that would collide (any case) are told apart by a counter
in the HMAC.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from mockscim.dialect.attributes import ENTERPRISE, WORKSPACE
from mockscim.tenant.custom import custom_key

__all__ = ["DEFAULT_KEY", "Pseudonyms", "redact_users"]

DEFAULT_KEY = "mockscim-snapshot-redaction"
_WORD = re.compile(r"[^\W_]+")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_LETTERS = "abcdefghijklmnopqrstuvwxyz"

Resource = dict[str, Any]


class Pseudonyms:
    """The pseudonyms of one key."""

    def __init__(self, key: str = DEFAULT_KEY) -> None:
        self._key = key.encode("utf-8")

    def _bytes(self, text: str, length: int, salt: int) -> bytes:
        out = b""
        block = 0
        while len(out) < length:
            message = f"{salt}\x00{block}\x00{text}".encode()
            out += hmac.new(self._key, message, hashlib.sha256).digest()
            block += 1
        return out[:length]

    def word(self, word: str, salt: int = 0) -> str:
        """A word's pseudonym: same length, digits for digits, letters in its case pattern."""
        stream = self._bytes(word.casefold(), len(word), salt)
        out = []
        for char, byte in zip(word, stream, strict=True):
            if char.isdigit():
                out.append(str(byte % 10))
            elif char.isalpha():
                letter = _LETTERS[byte % 26]
                out.append(letter.upper() if char.isupper() else letter)
            else:
                out.append(char)
        return "".join(out)

    def text(self, value: str, salt: int = 0) -> str:
        """Every word replaced, everything between words (spaces, dots, dashes) kept."""
        return _WORD.sub(lambda found: self.word(found.group(0), salt), value)

    def email(self, value: str, salt: int = 0) -> str:
        """The local part replaced, the domain kept."""
        local, at, domain = value.rpartition("@")
        return self.text(local, salt) + at + domain if at else self.text(value, salt)

    def account(self, value: str, salt: int = 0) -> str:
        """A userName: an email's form, or ``DOMAIN\\name`` with its domain kept."""
        domain, slash, name = value.rpartition("\\")
        return domain + slash + self.email(name, salt) if slash else self.email(value, salt)

    def dn(self, value: str) -> str:
        """A distinguished name with the values that name a person (``CN``, ``UID``) replaced;
        the organisational units and domain parts, the directory's shape, kept."""
        out = []
        for part in re.split(r"(?<!\\),", value):
            key, equals, rest = part.partition("=")
            named = equals and key.strip().upper() in ("CN", "UID")
            out.append(key + equals + self.text(rest) if named else part)
        return ",".join(out)

    def url(self, value: str) -> str:
        """A URL with its scheme and host kept, the rest replaced."""
        parts = urlsplit(value)
        if not (parts.scheme and parts.netloc):
            return self.text(value)
        root = f"{parts.scheme}://{parts.netloc}"
        return root + self.text(value[len(root) :])

    def digits(self, value: str) -> str:
        """A phone number: every digit replaced (from the whole number), the rest kept."""
        stream = self._bytes("".join(c for c in value if c.isdigit()), len(value), 0)
        return "".join(
            str(byte % 10) if char.isdigit() else char
            for char, byte in zip(value, stream, strict=True)
        )

    def opaque(self, value: str) -> str:
        """An external id or employee number: a UUID stays a UUID, anything else a text."""
        if _UUID.fullmatch(value):
            made = uuid.UUID(bytes=self._bytes(value.casefold(), 16, 0))
            return str(made).upper() if value.isupper() else str(made)
        return self.text(value)


def _each(record: Resource, key: str, change: Callable[[str], str]) -> None:
    if isinstance(record.get(key), str):
        record[key] = change(record[key])


def _plural(
    user: Resource, attribute: str, change: Callable[[str], str], names: Pseudonyms
) -> None:
    for item in user.get(attribute) or []:
        _each(item, "value", change)
        _each(item, "display", names.text)


def _user(user: Resource, names: Pseudonyms, custom_strings: set[str]) -> None:
    text = names.text
    for key in ("displayName", "nickName"):
        _each(user, key, text)
    _each(user, "externalId", names.opaque)
    _each(user, "profileUrl", names.url)
    for key in ("givenName", "familyName", "middleName", "formatted"):
        _each(user.get("name") or {}, key, text)
    _plural(user, "emails", names.email, names)
    _plural(user, "phoneNumbers", names.digits, names)
    _plural(user, "ims", text, names)
    _plural(user, "photos", names.url, names)
    _plural(user, "x509Certificates", text, names)
    for address in user.get("addresses") or []:
        for key in ("streetAddress", "postalCode", "formatted"):
            _each(address, key, text)
    workspace = user.get(WORKSPACE) or {}
    _each(workspace, "distinguishedName", names.dn)
    _each(workspace, "userPrincipalName", names.email)
    enterprise = user.get(ENTERPRISE) or {}
    _each(enterprise, "employeeNumber", names.opaque)
    _each(enterprise.get("manager") or {}, "displayName", text)
    extension = custom_key(user)
    if extension is not None:
        values = user[extension]
        for name in sorted(custom_strings & set(values)):
            value = values[name]
            values[name] = [text(v) for v in value] if isinstance(value, list) else text(value)


def redact_users(users: list[Resource], declared: list[Resource], key: str = DEFAULT_KEY) -> None:
    """Replace, in place, what names a person in these fixture users (see the module). Members'
    and managers' names follow from the same pseudonyms; a caller re-reads them anyway."""
    names = Pseudonyms(key)
    custom_strings = {d["name"] for d in declared if d["type"] == "string"}
    taken: set[str] = set()
    for user in users:
        _user(user, names, custom_strings)
        salt = 0
        pseudonym = names.account(user["userName"])
        while pseudonym.casefold() in taken:
            salt += 1
            pseudonym = names.account(user["userName"], salt)
        taken.add(pseudonym.casefold())
        user["userName"] = pseudonym

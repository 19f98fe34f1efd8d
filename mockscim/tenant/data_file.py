"""The ``--data`` file of ``mockscim serve``, checked before the store opens it.

The file is the tenant's state as the store keeps it: a JSON object of tables
(``users``, ``groups``, ``roles``), each an object of documents by number (``"1"``, ``"2"``...),
each a stored resource. mockscim writes it; a person gives its name, and the likely mistakes are
giving another file (``--data fixtures/users.json``: a list of records) or one that was edited
by hand. Such a file is refused whole, with one :class:`~.fixture_errors.FixtureError` naming it
and every problem found, before anything reads or writes it: the file stays as it was.

What is checked: the file is UTF-8 JSON (duplicate members refused) holding an object of known
tables; each document is an object whose ``id`` is a non-empty string, unique in its table, whose
name (``userName`` for users, ``displayName`` for groups and roles) is a non-empty string, unique
in its table in any case, whose ``externalId`` is a string when present, whose workspace
extension is an object with a ``userStatus`` of "1", "2" or "3", whose ``meta`` is an object with
string ``created`` and ``lastModified``, whose ``members`` are objects with a string ``value``
and whose emails, phone numbers and other value-keyed items carry a non-empty ``value``.

A file whose exact bytes passed before is not checked again (:mod:`.fixture_cache`): a restart of
a sandbox that was not changed costs a hash of the file and one plain parse. The check reads the
file once for the store too: :func:`check_data_file` returns its tables, and
:class:`~.data_storage.DataStorage` starts from them instead of reading the file a second time.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from mockscim.dialect.attributes import WORKSPACE
from mockscim.dialect.rules import USER_STATUSES, VALUE_KEYED, json_type
from mockscim.tenant.fixture_cache import cache_dir, fixtures_key, is_validated, remember_validated
from mockscim.tenant.fixture_errors import FixtureError
from mockscim.tenant.fixture_files import parse_json

__all__ = ["TABLES", "check_data_file"]

#: The tables the store keeps, and the name each document of one has.
TABLES = {"users": "userName", "groups": "displayName", "roles": "displayName"}

_WHAT = (
    "--data names the JSON file mockscim keeps a tenant's state in (created when absent, "
    "seeded from the fixtures)"
)


def check_data_file(path: str | os.PathLike[str] | None) -> dict[str, Any] | None:
    """Raise a :class:`FixtureError` when ``path`` is no state file mockscim could have written
    (see the module docstring); an absent or empty file is a new one, and fine. The tables the
    file holds (for the store: the file is read once), {} for a new file, None without ``path``."""
    if path is None:
        return None
    file = Path(path)
    shown = os.fspath(path)
    if file.is_dir():
        raise FixtureError(shown, f"A directory, not a file: {_WHAT}.")
    try:
        raw = file.read_bytes()
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise FixtureError(shown, f"Cannot read the file: {exc.strerror or exc}.") from exc
    if not raw.strip():
        return {}
    key = fixtures_key([("--data", raw)]) if cache_dir() is not None else None
    if key is not None and is_validated(key):
        tables: dict[str, Any] = json.loads(raw)  # these bytes passed the checks below before
        return tables
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FixtureError(shown, f"Not valid UTF-8 (byte {exc.start}): {_WHAT}.") from exc
    try:
        data = parse_json(text, shown)
    except FixtureError as exc:  # mockscim writes it whole: edited by hand, or another file
        raise FixtureError(shown, f"{exc.detail} {_WHAT}.") from exc
    if isinstance(data, list):
        raise FixtureError(
            shown,
            "A JSON list, not the state mockscim keeps (a fixtures file? those go in a "
            f"directory given with --fixtures DIR): {_WHAT}. Give a new file name to start one.",
        )
    if not isinstance(data, dict):
        raise FixtureError(
            shown, f"Expected a JSON object of tables, found {json_type(data, article=True)}."
        )
    problems: list[FixtureError] = []
    count = 0
    for table, documents in data.items():
        if table not in TABLES:
            problems.append(
                FixtureError(
                    shown,
                    f"Not a table mockscim keeps ({', '.join(TABLES)}): {_WHAT}.",
                    field=table,
                )
            )
        elif not isinstance(documents, dict):
            problems.append(
                FixtureError(
                    shown,
                    f"Expected an object of records, found {json_type(documents, article=True)}.",
                    field=table,
                )
            )
        else:
            _check_table(shown, table, documents, problems)
            count += len(documents)
    if problems:
        raise FixtureError.collected(problems)
    if key is not None:
        remember_validated(key, count)
    return data


def _check_table(
    shown: str, table: str, documents: dict[str, Any], problems: list[FixtureError]
) -> None:
    name_key = TABLES[table]
    ids: dict[str, str] = {}
    names: dict[str, str] = {}
    for doc_id, record in documents.items():
        where = f"{table}.{doc_id}"
        label = None
        if isinstance(record, dict) and isinstance(record.get(name_key), str):
            label = f"{name_key} {record[name_key]!r}"

        def problem(field: str | None, detail: str, where: str = where, label: Any = label) -> None:
            at = f"{where}.{field}" if field else where
            problems.append(
                FixtureError(shown, detail + (f" ({label})" if label else ""), field=at)
            )

        if not doc_id.isdigit():
            problem(None, "Not a document number (the store numbers its records 1, 2, ...).")
        if not isinstance(record, dict):
            problem(None, f"Expected a JSON object, found {json_type(record, article=True)}.")
            continue
        uid, name = record.get("id"), record.get(name_key)
        if not isinstance(uid, str) or not uid:
            problem("id", "Missing or not a non-empty string: every record has its id.")
        elif uid in ids:
            problem("id", f"Duplicate id: {table}.{ids[uid]} has it too.")
        else:
            ids[uid] = doc_id
        if not isinstance(name, str) or not name:
            problem(name_key, "Missing or not a non-empty string.")
        elif name.casefold() in names:
            problem(
                name_key,
                f"Duplicate {name_key} (any case): {table}.{names[name.casefold()]} has it too.",
            )
        else:
            names[name.casefold()] = doc_id
        for field, detail in _record_problems(record):
            problem(field, detail)


def _record_problems(record: dict[str, Any]) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    if "externalId" in record and not isinstance(record["externalId"], str):
        found.append(("externalId", "Not a string."))
    meta = record.get("meta")
    if not isinstance(meta, dict):
        found.append(("meta", "Missing or not an object."))
    else:
        for member in ("created", "lastModified"):
            if not isinstance(meta.get(member), str):
                found.append((f"meta.{member}", "Missing or not a string."))
    workspace = record.get(WORKSPACE)
    if workspace is not None and not isinstance(workspace, dict):
        found.append((WORKSPACE, "Not an object."))
    elif workspace is not None and workspace.get("userStatus", "1") not in USER_STATUSES:
        found.append((WORKSPACE + ".userStatus", "Not one of '1', '2', '3'."))
    members = record.get("members", [])
    if not isinstance(members, list) or not all(
        isinstance(m, dict) and isinstance(m.get("value"), str) for m in members
    ):
        found.append(("members", "Not a list of objects each with a string value."))
    for attribute in VALUE_KEYED:
        items = record.get(attribute, [])
        if not isinstance(items, list) or not all(
            isinstance(item, dict) and isinstance(item.get("value"), str) and item["value"].strip()
            for item in items
        ):
            found.append((attribute, "Not a list of objects each with a non-empty value."))
    return found

"""What a tenant answered, held to ``openapi.yaml``: the findings of kind "the tenant" that
``mockscim proxy`` journals beside each proxied request (``docs/proxy.md``).

Four checks, each a finding of its own rule: a status the operation does not document
(``tenant.status``), a media type its description does not name for that status
(``tenant.media-type``), a body that breaks the status's schema: a required member missing
(``tenant.missing-member``) or a member of the wrong type (``tenant.type``), or any other
schema rule (``tenant.schema``). The schema check is ``openapi-schema-validator``'s OpenAPI 3.0
dialect of JSON Schema (``nullable``, ``$ref`` into ``components``), as a response reads it
(``readOnly`` members are required there too), not hand-written code.

A path the description does not name is no finding here (the proxy forwards what the vendor does
not publish as well); its operation is not known, so nothing can be held to it.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from typing import Any

import yaml
from openapi_schema_validator import OAS30ReadValidator

from mockscim.dialect.paths import SAAS
from mockscim.tenant.packaged import openapi_text

__all__ = ["KIND", "Operation", "check_answer", "operation_for"]

#: The ``kind`` of every finding of this module: what the tenant did, not what the client sent.
KIND = "the tenant"
_TENANT_FORM = re.compile(r"^/SAAS/t/[^/]+(?=/)")


@dataclass(frozen=True)
class Operation:
    method: str
    template: str
    pattern: re.Pattern[str]
    spec: dict[str, Any]


@functools.cache
def _document() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(openapi_text())
    return loaded


@functools.cache
def _operations() -> tuple[Operation, ...]:
    found = []
    for template, item in _document()["paths"].items():
        if not template.startswith(SAAS + "/"):
            continue  # the sandbox's own paths: never a tenant's
        regex = re.escape(template)
        regex = re.sub(r"\\\{\w+\\\}", "[^/]+", regex)
        for method, spec in item.items():
            if method != "parameters":
                found.append(Operation(method.upper(), template, re.compile(f"^{regex}/?$"), spec))
    # a literal segment before a placeholder: /Users/.search before /Users/{id}
    return tuple(sorted(found, key=lambda o: (o.template.count("{"), o.template)))


def operation_for(method: str, path: str) -> Operation | None:
    """The documented operation of ``method path`` (either tenant form), or None."""
    plain = _TENANT_FORM.sub(SAAS, path, count=1)
    method = method.upper()
    return next((o for o in _operations() if o.method == method and o.pattern.match(plain)), None)


def _resolve(node: Any) -> Any:
    while isinstance(node, dict) and isinstance(node.get("$ref"), str):
        target: Any = _document()
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def _finding(rule: str, message: str, fix: str) -> dict[str, str]:
    return {"rule": rule, "severity": "tenant", "kind": KIND, "message": message, "fix": fix}


@functools.cache
def _validator(ref: str) -> OAS30ReadValidator:
    schema = {"$ref": ref, "components": _document()["components"]}
    return OAS30ReadValidator(schema)


def _schema_findings(schema: Any, body: Any, where: str) -> list[dict[str, str]]:
    if isinstance(schema, dict) and isinstance(schema.get("$ref"), str):
        validator = _validator(schema["$ref"])
    else:
        validator = OAS30ReadValidator({**schema, "components": _document()["components"]})
    out = []
    for error in sorted(validator.iter_errors(body), key=lambda e: list(e.absolute_path)):
        member = "/".join(str(p) for p in error.absolute_path) or "(body)"
        if error.validator == "required":
            rule, text = "tenant.missing-member", f"{where}: {error.message} at {member}"
        elif error.validator == "type":
            rule, text = "tenant.type", f"{where}: {member} is {error.message}"
        else:
            rule, text = "tenant.schema", f"{where}: {member}: {error.message}"
        out.append(_finding(rule, text[:300], "the description (openapi.yaml) or the tenant"))
        if len(out) >= 10:  # a body wrong everywhere says so in ten lines
            break
    return out


def check_answer(
    method: str, path: str, status: int, media_type: str, body: bytes
) -> list[dict[str, str]]:
    """Findings of kind :data:`KIND` for one answer of the tenant (``[]``: it keeps the
    contract, or its operation is not in the description)."""
    operation = operation_for(method, path)
    if operation is None:
        return []
    where = f"{method.upper()} {operation.template} answered {status}"
    responses = operation.spec.get("responses", {})
    documented = responses.get(str(status)) or responses.get(f"{str(status)[0]}XX")
    documented = documented or responses.get("default")
    if documented is None:
        listed = ", ".join(sorted(str(k) for k in responses))
        return [
            _finding(
                "tenant.status",
                f"{where}: a status the description does not document (it names {listed})",
                "the description (openapi.yaml) or the tenant",
            )
        ]
    content = _resolve(documented).get("content") or {}
    if not body:
        return []
    media = media_type.split(";")[0].strip().lower()
    if not content or media not in {m.lower() for m in content}:
        named = ", ".join(sorted(content)) or "no body"
        return [
            _finding(
                "tenant.media-type",
                f"{where}: a body of {media or 'no media type'}; the description names {named}",
                "the description (openapi.yaml) or the tenant",
            )
        ]
    schema = next(v for k, v in content.items() if k.lower() == media).get("schema")
    if schema is None or "json" not in media:
        return []
    try:
        parsed = json.loads(body)
    except ValueError:
        return [
            _finding(
                "tenant.schema",
                f"{where}: the body is not JSON though it says {media}",
                "the tenant",
            )
        ]
    return _schema_findings(schema, parsed, where)

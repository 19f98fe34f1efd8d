"""Strict mode's checks of filters: what a rejected or misread filter uses, and the fix
(``docs/dialect.md#filters``). The dialect's parser decides; the rule of a rejection is its
error's ``kind``, never its wording.

Pure: imports only the standard library and the dialect.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

from mockscim.dialect.attributes import USERS, Catalogue, UnknownAttribute
from mockscim.dialect.errors import InvalidFilter
from mockscim.dialect.filter import COMPARE_OPS, PERCENT_ESCAPE, Nothing, parse
from mockscim.dialect.findings.catalogue import Checks, Report
from mockscim.dialect.findings.hints import OPS_TEXT, show, suggest_path

__all__ = ["FilterChecks"]


_TOKEN = re.compile(
    r'"(?:[^"\\]|\\.)*"?|[()\[\]]|[^\s()"\'\[\]]+|\'[^\']*\'?',
    re.DOTALL,
)
_LOGICAL = frozenset({"and", "or", "not"})
_ALL_OPS = frozenset((*COMPARE_OPS, "ne", "ew", "pr"))


def _scan(text: str) -> list[tuple[str, str]]:
    """Rough tokens of a filter: ("str"|"word"|"("|")"|"["|"]"|"quote", text)."""
    out: list[tuple[str, str]] = []
    for m in _TOKEN.finditer(text):
        tok = m.group()
        if tok[0] == '"':
            out.append(("str", tok))
        elif tok[0] == "'":
            out.append(("quote", tok))
        elif tok in "()[]":
            out.append((tok, tok))
        else:
            out.append(("word", tok))
    return out


def _unquote_all(text: str) -> str:
    for _ in range(3):
        decoded = unquote(text)
        if decoded == text:
            break
        text = decoded
    return text


def _unsupported(tokens: list[tuple[str, str]], full: bool) -> list[str]:
    """The unsupported constructs a filter uses, each once, in order of appearance."""
    found: list[str] = []
    for kind, tok in tokens:
        low = tok.lower()
        name = ""
        if kind == "word" and (
            low in ("ne", "ew", "not") or (low in ("pr", "and", "or") and not full)
        ):
            name = low
        elif kind == "(" and not full:
            name = "("
        elif kind == "[":
            name = "["
        if name and name not in found:
            found.append(name)
    return found


def _attribute_words(tokens: list[tuple[str, str]]) -> list[str]:
    """The words in attribute position (followed by an operator), outside value paths."""
    out: list[str] = []
    depth = 0
    for i, (kind, tok) in enumerate(tokens):
        if kind == "[":
            depth += 1
        elif kind == "]":
            depth = max(depth - 1, 0)
        after_path = i > 0 and tokens[i - 1][0] == "]"
        low = tok.lower()
        if kind != "word" or depth or after_path or low in _LOGICAL or low in _ALL_OPS:
            continue
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        if nxt is not None and nxt[0] == "word" and nxt[1].lower() in _ALL_OPS and tok not in out:
            out.append(tok)
    return out


_VALUE_PATH = re.compile(
    r'([^\s()"\'\[\]]+)\[\s*([^\s()"\'\[\]]+)\s+([A-Za-z]+)\s+("(?:[^"\\]|\\.)*"|[^\s\]]+)\s*\]'
)
_EW = re.compile(r"(?i)(\s)ew(\s)")


def _construct_text(construct: str, text: str, full: bool) -> tuple[str, str]:
    """(what the filter uses, the fix) for one unsupported construct of the filter ``text``."""
    supported = f"which the service does not support: it supports only {OPS_TEXT}"
    if full:
        supported += " (and pr, and, or, parentheses in the full SCIM 1.1 profile)"
    if construct == "ne":
        return (
            f"the operator 'ne', {supported}",
            "the service has no negation: leave the condition out and drop the matching users "
            "client-side",
        )
    if construct == "ew":
        example = _EW.sub(r"\1co\2", text, count=1)
        return (
            f"the operator 'ew', {supported}",
            f"use co (contains) instead, e.g. {example!r}, and check the ending client-side",
        )
    if construct == "not":
        return (
            f"'not', {supported}",
            "the service has no negation: leave the condition out and filter client-side",
        )
    if construct == "pr":
        return (
            f"the operator 'pr', {supported}",
            "leave the condition out (ask for the attribute with `attributes`) and check its "
            "presence client-side",
        )
    if construct == "and":
        return (
            f"'and', {supported}; one comparison per filter",
            "send one condition (the most selective, e.g. userName eq ...) and apply the others "
            "client-side",
        )
    if construct == "or":
        return (
            f"'or', {supported}; one comparison per filter",
            "send one request per condition and merge the results client-side",
        )
    if construct == "(":
        return (
            f"parentheses, {supported}; one comparison per filter",
            "send a single comparison without parentheses",
        )
    m = _VALUE_PATH.search(text)
    example = f"{m.group(1)}.{m.group(2)} {m.group(3)} {m.group(4)}" if m else "emails.type"
    return (
        f"a SCIM 2.0 value path '[...]', {supported}",
        f"use a dotted sub-attribute, e.g. {example!r} (a multi-valued attribute matches if any "
        "of its items matches)",
    )


def _category(err: InvalidFilter) -> str:
    """The rule of a rejected filter, from the error's machine-readable kind."""
    return f"filter.{err.kind}"


def _syntax_fix(text: str) -> str:
    if not text.strip():
        return "leave the filter out to list every user"
    if "'" in text:
        return 'quote string values with double quotes: userName eq "ann"'
    if "+" in text and _parses(text.replace("+", " ")):
        return "the spaces arrived as '+': percent-encode the filter once (space as %20 or +)"
    return (
        'send one comparison: attribute, operator, value, e.g. userName eq "ann" (strings in '
        f"double quotes; operators {OPS_TEXT})"
    )


def _parses(text: str) -> bool:
    try:
        parse(text, full=True)
    except InvalidFilter:
        return False
    return True


class FilterChecks(Checks):
    """One filter, in the tenant's profile (``full``: the full SCIM 1.1 grammar)."""

    def __init__(self, report: Report, full: bool, catalogue: Catalogue = USERS) -> None:
        super().__init__(report)
        self.full = bool(full)
        self.catalogue = catalogue

    def check_filter(self, text: str, *, body: bool) -> None:
        try:
            node = parse(text, full=self.full, catalogue=self.catalogue)
        except InvalidFilter as err:
            self.filter_problems(text, err)
            return
        if isinstance(node, Nothing):
            fix = (
                "send the filter as plain text: a JSON body is not URL-encoded"
                if body
                else "percent-encode the query string once: give the HTTP library the plain "
                'filter (userName eq "ann") and do not encode it yourself as well'
            )
            self.add(
                "filter.percent-encoded",
                f"filter {show(text)} arrived still percent-encoded: the service matches no "
                "user (200 with totalResults 0)",
                fix,
            )

    def filter_problems(self, text: str, err: InvalidFilter) -> None:
        categories: set[str] = set()
        subject = text
        tokens = _scan(text)
        constructs = _unsupported(tokens, self.full)
        paths = _attribute_words(tokens)
        if not constructs and not paths and PERCENT_ESCAPE.search(text):
            # Encoded twice and wrong as well: look at what the client meant to send.
            subject = _unquote_all(text)
            tokens = _scan(subject)
            constructs = _unsupported(tokens, self.full)
            paths = _attribute_words(tokens)
        shown = show(text)
        if subject != text:
            shown += f" (percent-decoded: {show(subject)}; it was also encoded twice)"
        for construct in constructs:
            categories.add("filter.unsupported-operator")
            message, fix = _construct_text(construct, subject, self.full)
            self.add("filter.unsupported-operator", f"filter {shown} uses {message}", fix)
        for path in paths:
            try:
                if path.endswith("."):
                    raise UnknownAttribute(path)
                self.catalogue.resolve(path)
            except UnknownAttribute:
                categories.add("filter.unknown-attribute")
                hit = suggest_path(path.rstrip("."))
                self.add(
                    "filter.unknown-attribute",
                    f"filter {show(text)} names the unknown attribute {show(path)}",
                    f"did you mean {hit!r}?"
                    if hit
                    else "name a user attribute (userName, name.givenName, emails, domain...)",
                )
        residual: InvalidFilter | None = err
        if not self.full or subject != text:
            try:
                parse(subject, full=True)
                residual = None
            except InvalidFilter as full_err:
                residual = full_err
        if residual is not None:
            category = _category(residual)
            if category not in categories:
                self.add_filter_error(category, text, residual.detail or "")
                categories.add(category)
        if not categories:
            self.add_filter_error(_category(err), text, err.detail or "")

    def add_filter_error(self, rule: str, text: str, detail: str) -> None:
        if rule == "filter.unsupported-operator":
            self.add(
                rule,
                f"filter {show(text)} is not supported ({detail}): the service supports only "
                f"{OPS_TEXT}",
                "send one comparison: attribute, operator, value; filter the rest client-side",
            )
        elif rule == "filter.unknown-attribute":
            self.add(
                rule,
                f"filter {show(text)} names an unknown attribute ({detail})",
                "name a user attribute (userName, name.givenName, emails, domain...)",
            )
        else:
            self.add(rule, f"filter {show(text)} does not parse: {detail}", _syntax_fix(text))

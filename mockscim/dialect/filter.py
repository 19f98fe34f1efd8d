"""SCIM 1.1 user filters: parsing into a small tree, and matching stored users against it.

Source: ``docs/dialect.md#filters`` (the vendor's seven operators) and "Profiles" (the full SCIM
1.1 grammar as a switch). Two profiles share one tokenizer and one comparison rule.

Vendor profile (``parse(text)``, the default)::

    filter     = *WSP comparison *WSP
    comparison = attrPath 1*WSP compareOp 1*WSP compValue
    compareOp  = "eq" / "co" / "sw" / "gt" / "ge" / "lt" / "le"       ; any case
    attrPath   = [schemaUrn ":"] attrName ["." subAttr]                 ; attributes.resolve
    compValue  = string / number / "true" / "false" / "null"           ; literals in any case
    string     = DQUOTE *(unescaped / "\\" escape) DQUOTE               ; a JSON string (RFC 8259)
    number     = ["-"] int [frac] [exp]                                 ; a JSON number
    WSP        = SP / HTAB / CR / LF

Full SCIM 1.1 profile (``parse(text, full=True)``)::

    filter     = *WSP orExpr *WSP
    orExpr     = andExpr *(1*WSP "or" 1*WSP andExpr)                   ; "and" binds tighter
    andExpr    = term *(1*WSP "and" 1*WSP term)
    term       = "(" *WSP orExpr *WSP ")" / attrPath 1*WSP "pr" / comparison

Whitespace next to a parenthesis is optional; elsewhere tokens need at least one WSP between them
(``userName eq"x"`` is rejected). Never accepted, in either profile: ``ne``, ``ew``, ``not``, value
paths ``emails[type eq "work"]``, single-quoted strings. The vendor profile also rejects ``pr``,
``and``, ``or`` and parentheses. Filters longer than :data:`MAX_LENGTH` characters or with
parentheses nested deeper than :data:`MAX_DEPTH` are rejected. Every rejection is an
:class:`~mockscim.dialect.errors.InvalidFilter` whose ``detail`` says what and where (1-based column).

A filter that does not parse but contains a percent escape and parses once ``urllib.parse.unquote``
(or ``unquote_plus``) has been applied up to three times was encoded twice by the client: it parses
to :class:`Nothing`, which matches nobody (``docs/dialect.md#filters``: 200 with zero results).

Matching (our decisions where the dialect is silent):

- A multi-valued attribute matches if any of its values matches; a bare multi-valued complex name
  (``emails``) means its ``value`` sub-attribute. A user with no value never matches, except
  ``attr eq null``, which matches exactly the users with no non-empty value (the negation of
  ``pr``). ``null`` goes with ``eq`` only.
- Strings compare case-insensitively (``str.casefold``) for every operator; ``gt``, ``ge``, ``lt``
  and ``le`` are lexicographic on the casefolded text. A number or boolean literal compared with a
  string attribute is compared as its JSON text (``userStatus eq 1`` matches ``"1"``; ``1.50`` is
  ``"1.5"``).
- Date-time attributes (``meta.created``, ``meta.lastModified``) compare chronologically for
  ``eq``/``gt``/``ge``/``lt``/``le``: both sides are ISO 8601, a trailing ``Z`` is accepted, a value
  without an offset is UTC; the literal must be a valid date-time. ``co``/``sw`` on a date-time
  compare the stored text like any string (``meta.created sw "2020-09"``).
- Boolean attributes (``active``, ``emails.primary``, ``softDeleted``) accept only ``eq`` with
  ``true``, ``false`` or ``null``.
- A single-valued complex attribute without a sub-attribute (``name``, ``meta``, ``manager``) and
  the write-only ``password`` cannot be compared; ``name pr`` is fine (except for ``password``).
- ``pr`` is true when the attribute has at least one non-empty value (not null, ``""``, ``[]`` or an
  object without a non-empty member).

Pure: imports only the standard library and mockscim.dialect (attributes, errors, filter_tokens).
"""

from __future__ import annotations

import functools
import json
import math
import operator
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, NamedTuple, TypeAlias
from urllib.parse import unquote, unquote_plus

from mockscim.dialect.attributes import (
    BOOLEAN,
    COMPLEX,
    DATETIME,
    INTEGER,
    USERS,
    AttrRef,
    Catalogue,
    UnknownAttribute,
)
from mockscim.dialect.errors import (
    FILTER_SYNTAX,
    FILTER_UNKNOWN_ATTRIBUTE,
    FILTER_UNSUPPORTED,
    InvalidFilter,
)
from mockscim.dialect.filter_tokens import PERCENT_ESCAPE, Tok, show, tokenize

__all__ = [
    "COMPARE_OPS",
    "MAX_DEPTH",
    "MAX_LENGTH",
    "PERCENT_ESCAPE",
    "And",
    "Compare",
    "Node",
    "Nothing",
    "Or",
    "Present",
    "json_text",
    "parse",
    "parse_datetime",
]

#: The vendor's operators (``docs/dialect.md#filters``).
COMPARE_OPS = ("eq", "co", "sw", "gt", "ge", "lt", "le")
#: Longest filter accepted, in characters.
MAX_LENGTH = 4096
#: Deepest parenthesis nesting accepted (full profile).
MAX_DEPTH = 50

_Op = Callable[[Any, Any], Any]
_STR_OPS: dict[str, _Op] = {
    "eq": operator.eq,
    "co": operator.contains,
    "sw": str.startswith,
    "gt": operator.gt,
    "ge": operator.ge,
    "lt": operator.lt,
    "le": operator.le,
}
_ORDER_OPS: dict[str, _Op] = {
    "eq": operator.eq,
    "gt": operator.gt,
    "ge": operator.ge,
    "lt": operator.lt,
    "le": operator.le,
}


# --------------------------------------------------------------------------------------- nodes


def _target_type(ref: AttrRef) -> str:
    """The type a comparison on ``ref`` compares against; InvalidFilter if it cannot be compared."""
    if ref.sub is not None:
        return ref.sub.type
    attr = ref.attr
    if attr.type != COMPLEX:
        return attr.type
    if attr.multi:
        value = attr.child("value")
        if value is not None:
            return value.type
        raise InvalidFilter(f"{attr.name!r} has no 'value'; name a sub-attribute")
    raise InvalidFilter(f"{attr.name!r} is a complex attribute; name a sub-attribute")


def parse_datetime(text: str) -> datetime | None:
    """An aware datetime from ISO 8601 text (trailing ``Z``/``z`` accepted, no offset = UTC)."""
    if text[-1:] in ("Z", "z"):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def json_text(value: bool | int | float) -> str:
    return json.dumps(value)


@dataclass(frozen=True)
class Compare:
    """``ref op value``; ``op`` is one of :data:`COMPARE_OPS`, in lower case.

    Validated on construction (InvalidFilter for a comparison that makes no sense for the
    attribute's type); the private fields hold what :func:`matches` needs, computed once.
    """

    ref: AttrRef
    op: str
    value: str | bool | int | float | None
    #: "null", "str", "datetime", "number" or "bool".
    _kind: str = field(init=False, default="", compare=False, repr=False)
    _needle: Any = field(init=False, default=None, compare=False, repr=False)
    _fn: _Op = field(init=False, default=operator.eq, compare=False, repr=False)

    def __post_init__(self) -> None:
        op = self.op.lower() if isinstance(self.op, str) else ""
        if op not in COMPARE_OPS:
            raise InvalidFilter(f"unsupported operator {self.op!r}", kind=FILTER_UNSUPPORTED)
        object.__setattr__(self, "op", op)
        if self.ref.attr.writeonly:
            raise InvalidFilter(f"{self.ref.attr.name!r} cannot be used in a filter")
        kind, needle, fn = _prepare(self.ref, op, self.value)
        object.__setattr__(self, "_kind", kind)
        object.__setattr__(self, "_needle", needle)
        object.__setattr__(self, "_fn", fn)


def _prepare(ref: AttrRef, op: str, value: object) -> tuple[str, Any, _Op]:
    typ = _target_type(ref)
    name = ref.path
    if value is None:
        if op != "eq":
            raise InvalidFilter(f"null can only be compared with 'eq', not {op!r}")
        return "null", None, operator.eq
    if typ == BOOLEAN:
        if op != "eq" or not isinstance(value, bool):
            raise InvalidFilter(f"boolean {name!r} only supports 'eq' with true, false or null")
        return "bool", value, operator.eq
    if typ == INTEGER:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise InvalidFilter(f"integer {name!r} needs a number literal")
        if op not in _ORDER_OPS:
            raise InvalidFilter(f"integer {name!r} supports eq, gt, ge, lt and le, not {op!r}")
        return "number", value, _ORDER_OPS[op]
    if typ == DATETIME:
        if not isinstance(value, str):
            raise InvalidFilter(f"date-time {name!r} needs a string literal")
        if op in _ORDER_OPS:
            when = parse_datetime(value)
            if when is None:
                raise InvalidFilter(f"{value!r} is not an ISO 8601 date-time")
            return "datetime", when, _ORDER_OPS[op]
        return "str", value.casefold(), _STR_OPS[op]
    if isinstance(value, bool | int | float):
        if isinstance(value, float) and not math.isfinite(value):
            raise InvalidFilter(f"number {value!r} out of range")
        return "str", json_text(value).casefold(), _STR_OPS[op]
    if isinstance(value, str):
        return "str", value.casefold(), _STR_OPS[op]
    raise InvalidFilter(f"unsupported literal {value!r}")


@dataclass(frozen=True)
class Present:
    """``ref pr`` (full profile): the attribute has at least one non-empty value."""

    ref: AttrRef


@dataclass(frozen=True)
class And:
    left: Node
    right: Node


@dataclass(frozen=True)
class Or:
    left: Node
    right: Node


@dataclass(frozen=True)
class Nothing:
    """A filter that matches nobody, e.g. one that arrived still percent-encoded."""

    reason: str


Node: TypeAlias = Compare | Present | And | Or | Nothing


_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?")
_LOGICAL = ("and", "or")


# -------------------------------------------------------------------------------------- parser


def _join(cls: type[And] | type[Or], items: list[Node]) -> Node:
    """A balanced tree over ``items`` (and/or are associative): depth stays logarithmic."""
    if len(items) == 1:
        return items[0]
    mid = len(items) // 2
    return cls(_join(cls, items[:mid]), _join(cls, items[mid:]))


class _Parser:
    def __init__(self, toks: list[Tok], full: bool, catalogue: Catalogue) -> None:
        self.toks = toks
        self.full = full
        self.catalogue = catalogue
        self.pos = 0

    def peek(self) -> Tok | None:
        return self.toks[self.pos] if self.pos < len(self.toks) else None

    def take(self) -> Tok | None:
        tok = self.peek()
        if tok is not None:
            self.pos += 1
        return tok

    def is_word(self, tok: Tok | None, *words: str) -> bool:
        return tok is not None and tok.kind == "word" and tok.text.lower() in words

    def parse(self) -> Node:
        if not self.toks:
            raise InvalidFilter("empty filter")
        node = self.or_expr(0) if self.full else self.comparison()
        tok = self.peek()
        if tok is not None:
            hint = ""
            if not self.full and (tok.kind in "()" or self.is_word(tok, *_LOGICAL)):
                hint = " (logical operators and parentheses need the full filter profile)"
            raise InvalidFilter(
                f"unexpected token {show(tok.text)} at column {tok.col}{hint}",
                kind=FILTER_UNSUPPORTED if hint else FILTER_SYNTAX,
            )
        return node

    def or_expr(self, depth: int) -> Node:
        items = [self.and_expr(depth)]
        while self.is_word(self.peek(), "or"):
            self.pos += 1
            items.append(self.and_expr(depth))
        return _join(Or, items)

    def and_expr(self, depth: int) -> Node:
        items = [self.term(depth)]
        while self.is_word(self.peek(), "and"):
            self.pos += 1
            items.append(self.term(depth))
        return _join(And, items)

    def term(self, depth: int) -> Node:
        tok = self.peek()
        if tok is None or tok.kind != "(":
            return self.comparison()
        if depth >= MAX_DEPTH:
            raise InvalidFilter(f"parentheses nested deeper than {MAX_DEPTH} at column {tok.col}")
        self.pos += 1
        node = self.or_expr(depth + 1)
        close = self.take()
        if close is None:
            raise InvalidFilter(f"missing ')' for '(' at column {tok.col}")
        if close.kind != ")":
            raise InvalidFilter(f"unexpected token {show(close.text)} at column {close.col}")
        return node

    def comparison(self) -> Node:
        tok = self.take()
        if tok is None:
            raise InvalidFilter("expected an attribute path at end of filter")
        if tok.kind == "(" and not self.full:
            raise InvalidFilter(
                f"parentheses are not supported in the vendor profile (column {tok.col})",
                kind=FILTER_UNSUPPORTED,
            )
        if tok.kind != "word":
            raise InvalidFilter(
                f"expected an attribute path, found {show(tok.text)} at column {tok.col}"
            )
        low = tok.text.lower()
        if low == "not":
            raise InvalidFilter(
                f"'not' is not supported (column {tok.col})", kind=FILTER_UNSUPPORTED
            )
        if low in _LOGICAL:
            raise InvalidFilter(f"unexpected token {show(tok.text)} at column {tok.col}")
        ref = self.attr_path(tok)
        op_tok = self.take()
        if op_tok is None:
            raise InvalidFilter(f"expected an operator after {show(tok.text)} at end of filter")
        if op_tok.kind != "word":
            raise InvalidFilter(
                f"expected an operator, found {show(op_tok.text)} at column {op_tok.col}"
            )
        op = op_tok.text.lower()
        if op == "pr":
            if not self.full:
                raise InvalidFilter(
                    f"operator 'pr' is not supported in the vendor profile (column {op_tok.col})",
                    kind=FILTER_UNSUPPORTED,
                )
            if ref.attr.writeonly:
                raise InvalidFilter(
                    f"{ref.attr.name!r} cannot be used in a filter (column {tok.col})"
                )
            return Present(ref)
        if op not in COMPARE_OPS:
            known = op in ("ne", "ew")
            what = "unsupported" if known else "unknown"
            raise InvalidFilter(
                f"{what} operator {show(op_tok.text)} at column {op_tok.col}",
                kind=FILTER_UNSUPPORTED if known else FILTER_SYNTAX,
            )
        val_tok = self.take()
        if val_tok is None:
            raise InvalidFilter(f"expected a value after {show(op_tok.text)} at end of filter")
        value = self.literal(val_tok)
        try:
            _target_type(ref)
            if ref.attr.writeonly:
                raise InvalidFilter(f"{ref.attr.name!r} cannot be used in a filter")
        except InvalidFilter as err:
            raise InvalidFilter(f"{err.detail} (column {tok.col})", kind=err.kind) from None
        try:
            return Compare(ref, op, value)
        except InvalidFilter as err:
            raise InvalidFilter(f"{err.detail} (column {val_tok.col})", kind=err.kind) from None

    def attr_path(self, tok: Tok) -> AttrRef:
        try:
            if tok.text.endswith("."):
                raise UnknownAttribute(tok.text)
            return self.catalogue.resolve(tok.text)
        except UnknownAttribute:
            raise InvalidFilter(
                f"unknown attribute {show(tok.text)} at column {tok.col}",
                kind=FILTER_UNKNOWN_ATTRIBUTE,
            ) from None

    def literal(self, tok: Tok) -> str | bool | int | float | None:
        if tok.kind == "str":
            return tok.value
        if tok.kind != "word":
            raise InvalidFilter(f"expected a value, found {show(tok.text)} at column {tok.col}")
        low = tok.text.lower()
        if low == "true":
            return True
        if low == "false":
            return False
        if low == "null":
            return None
        m = _NUMBER.fullmatch(tok.text)
        if m is None:
            raise InvalidFilter(
                f"invalid value {show(tok.text)} at column {tok.col} (strings need double quotes)"
            )
        if m.group(1) is None and m.group(2) is None:
            return int(tok.text)
        return float(tok.text)


#: How many distinct filters :func:`parse` remembers (clients send the same few again and again).
PARSE_CACHE_SIZE = 1024


def parse(text: str, *, full: bool = False, catalogue: Catalogue = USERS) -> Node:
    """Parse a filter in the vendor profile, or the full SCIM 1.1 profile when ``full``.

    Attribute names are those of ``catalogue`` (users by default; groups and roles have theirs).
    Raises :class:`~mockscim.dialect.errors.InvalidFilter` (and nothing else) for any rejected text.

    One text is parsed once: the tree (immutable) or the rejection is remembered for the last
    :data:`PARSE_CACHE_SIZE` texts, so the request pipeline, the view and strict mode share one
    reading of a request's filter, and a client that repeats a search does not pay for it again.
    Each rejection raises a new exception (callers re-word their copy).
    """
    if not isinstance(text, str):
        raise InvalidFilter("the filter must be a string")
    if len(text) > MAX_LENGTH:
        raise InvalidFilter(f"filter longer than {MAX_LENGTH} characters")
    found = _parse_once(text, full, catalogue)
    if isinstance(found, _Rejected):
        raise InvalidFilter(found.detail, kind=found.kind)
    return found


class _Rejected(NamedTuple):
    kind: str
    detail: str


@functools.lru_cache(maxsize=PARSE_CACHE_SIZE)
def _parse_once(text: str, full: bool, catalogue: Catalogue) -> Node | _Rejected:
    try:
        return _parse_or_decode(text, full, catalogue)
    except InvalidFilter as err:
        return _Rejected(err.kind, err.detail or err.message)


def _parse_or_decode(text: str, full: bool, catalogue: Catalogue) -> Node:
    try:
        return _parse(text, full, catalogue)
    except InvalidFilter as err:
        if PERCENT_ESCAPE.search(text):
            for decode in (unquote, unquote_plus):
                cur = text
                for _ in range(3):
                    nxt = decode(cur)
                    if nxt == cur:
                        break
                    cur = nxt
                    try:
                        _parse(cur, full, catalogue)
                    except InvalidFilter:
                        continue
                    return Nothing(reason="percent-encoded")
        raise err


def _parse(text: str, full: bool, catalogue: Catalogue) -> Node:
    return _Parser(tokenize(text), full, catalogue).parse()

"""The filter tokenizer: a filter's text as tokens, with the column of each (1-based).

Split from :mod:`mockscim.dialect.filter` (the grammar and the parser are there). Two paths, one
result: the filter clients send nearly always (``attr op "value"`` with no escape in the value) is
read by one regular expression; everything else by the scanner, which also says what is wrong and
where. ``tests/test_fast_paths.py`` holds them equal.

Pure: imports only the standard library and mockscim.dialect.errors.
"""

from __future__ import annotations

import json
import re
from typing import NamedTuple

from mockscim.dialect.errors import FILTER_UNSUPPORTED, InvalidFilter

__all__ = ["PERCENT_ESCAPE", "Tok", "show", "tokenize"]


def tokenize(text: str) -> list[Tok]:
    """The tokens of ``text``; :class:`InvalidFilter` where it does not scan."""
    toks = _simple_tokens(text)
    return toks if toks is not None else _tokenize_slowly(text)


_SEP = frozenset(" \t\r\n")
_STRING = re.compile(r'"(?:[^"\\]|\\(?:["\\/bfnrt]|u[0-9A-Fa-f]{4}))*"')
_WORD = re.compile(r"[^\s()\"'\[\]]+")
#: A percent escape: a filter holding one may have been encoded twice.
PERCENT_ESCAPE = re.compile(r"%[0-9A-Fa-f]{2}")


class Tok(NamedTuple):
    kind: str  # "(", ")", "str", "word"
    text: str
    col: int  # 1-based
    value: str = ""  # decoded string for "str"


def show(text: str) -> str:
    return repr(text if len(text) <= 40 else text[:37] + "...")


def _string_error(text: str, start: int) -> InvalidFilter:
    """Why the string literal at ``start`` does not scan."""
    i = start + 1
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == "\\":
            nxt = text[i + 1 : i + 2]
            if nxt and nxt in '"\\/bfnrt':
                i += 2
                continue
            if nxt == "u" and re.fullmatch(r"[0-9A-Fa-f]{4}", text[i + 2 : i + 6]):
                i += 6
                continue
            return InvalidFilter(f"invalid escape {text[i : i + 2]!r} at column {i + 1}")
        i += 1
    return InvalidFilter(f"unterminated string starting at column {start + 1}")


def _tokenize_slowly(text: str) -> list[Tok]:
    toks: list[Tok] = []
    i = 0
    n = len(text)
    need_sep = False
    while i < n:
        c = text[i]
        if c in _SEP:
            need_sep = False
            i += 1
            continue
        if c in "()":
            toks.append(Tok(c, c, i + 1))
            need_sep = False
            i += 1
            continue
        if c in "[]":
            raise InvalidFilter(
                f"value paths '[...]' are not supported (column {i + 1})", kind=FILTER_UNSUPPORTED
            )
        if c == "'":
            raise InvalidFilter(f"single-quoted strings are not supported (column {i + 1})")
        if need_sep:
            raise InvalidFilter(
                f"missing whitespace before {show(text[i : i + 10])} at column {i + 1}"
            )
        if c == '"':
            m = _STRING.match(text, i)
            if m is None:
                raise _string_error(text, i)
            decoded = json.loads(m.group(), strict=False)
            toks.append(Tok("str", m.group(), i + 1, decoded))
        else:
            m = _WORD.match(text, i)
            if m is None:
                raise InvalidFilter(f"unexpected character {c!r} at column {i + 1}")
            toks.append(Tok("word", m.group(), i + 1))
        i = m.end()
        need_sep = True
    return toks


#: ``attr op "value"``, the filter clients send nearly always, with a value that has no escape:
#: the tokens :func:`_tokenize_slowly` would make, made by one match (half the cost of a parse).
_SIMPLE = re.compile(
    r'[ \t\r\n]*([^\s()"\'\[\]]+)[ \t\r\n]+([^\s()"\'\[\]]+)[ \t\r\n]+("[^"\\]*")[ \t\r\n]*'
)


def _simple_tokens(text: str) -> list[Tok] | None:
    m = _SIMPLE.fullmatch(text)
    if m is None:
        return None
    a, o, v = m.start(1), m.start(2), m.start(3)
    value = m.group(3)
    return [
        Tok("word", m.group(1), a + 1),
        Tok("word", m.group(2), o + 1),
        Tok("str", value, v + 1, value[1:-1]),
    ]

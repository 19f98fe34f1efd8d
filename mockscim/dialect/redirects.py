"""The authorization endpoint's redirect URIs and PKCE parameters, as pure functions
(``docs/dialect.md#redirect-uris-and-pkce``).

* :func:`parse_redirect_uri`: a redirect URI the tenant would ever redirect to, or ``None``. It
  is at most :data:`MAX_REDIRECT_URI` characters, with no whitespace, control (CR, LF, tab),
  format, private-use or unassigned character anywhere; absolute, ``http`` or ``https``; with a
  host (a domain name, IDN included when IDNA gives it back unchanged, an IPv4 address or a
  bracketed IPv6 one) and no userinfo; a port, when the ``:`` is there, of 1 to 65535; no
  fragment (RFC 6749 section 3.1.2).
* :func:`redirect_matches`: a given redirect URI against a registered one: the same text, or,
  when the registered one is an ``http`` loopback URI (``127.0.0.1``, ``[::1]``, ``localhost``),
  the same URI on any port, scheme and host in any case (RFC 8252 section 7.3). Both must parse.
* :func:`redirect_location` (:meth:`RedirectUri.location`): the ``Location`` of the answer, in
  ASCII (the host in IDNA, the rest percent-encoded), the URI's own query kept and the answer
  added to it (RFC 6749 section 4.1.2). It cannot raise for a URI that parsed.
* :func:`pkce_problem` and :func:`verifier_ok`: a ``code_challenge`` and a ``code_verifier`` are
  43 to 128 characters of ``A-Z a-z 0-9 - . _ ~``; the method is ``S256`` or ``plain``, exactly
  (RFC 7636 sections 4.1 to 4.3).

The standard library only, like the rest of the dialect.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import quote, urlencode, urlsplit

__all__ = [
    "LOOPBACK_HOSTS",
    "MAX_REDIRECT_URI",
    "PKCE_METHODS",
    "RedirectUri",
    "parse_redirect_uri",
    "pkce_problem",
    "redirect_location",
    "redirect_matches",
    "verifier_ok",
]

#: The longest redirect URI the tenant takes, in characters: longer ones answer as a redirect URI
#: that does not match. 2,048 leaves room for the code and the state in a ``Location`` under the
#: 4 to 8 KiB header limits of common proxies and browsers. **[decided]**
MAX_REDIRECT_URI = 2048
#: The loopback hosts of RFC 8252 section 7.3, as a parsed :class:`RedirectUri` spells them.
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "[::1]", "localhost"})
#: The PKCE methods, as RFC 7636 section 4.3 names them (case matters: ``s256`` is not one).
PKCE_METHODS = ("S256", "plain")

_SCHEMES = ("http", "https")
#: One label of a host name once in ASCII (IDNA): letters, digits, ``-`` and ``_``.
_LABEL = re.compile(r"[a-z0-9_-]{1,63}\Z")
#: RFC 7636 section 4.1: ``43*128unreserved``.
_PKCE_TEXT = re.compile(r"[A-Za-z0-9._~-]{43,128}\Z")
#: What stays as it is in the path and query of a ``Location``: printable ASCII but ``#``.
_KEEP = "".join(chr(c) for c in range(0x21, 0x7F) if chr(c) != "#")


@dataclass(frozen=True)
class RedirectUri:
    """A redirect URI that parsed: scheme and host in lower case, the host in ASCII (IDNA) or an
    IPv6 address in brackets (as written: ``[0::1]`` is not ``[::1]``), the port as a number,
    path and query as given."""

    scheme: str
    host: str
    port: int | None
    path: str
    query: str

    @property
    def loopback(self) -> bool:
        """An ``http`` URI of a loopback host: any port will do (RFC 8252 section 7.3)."""
        return self.scheme == "http" and self.host in LOOPBACK_HOSTS

    def location(self, answer: Mapping[str, str]) -> str:
        """This URI with ``answer`` added to its query, in ASCII."""
        port = "" if self.port is None else f":{self.port}"
        query = "&".join(
            part
            for part in (
                quote(self.query, safe=_KEEP),
                urlencode(dict(answer), errors="replace"),
            )
            if part
        )
        path = quote(self.path, safe=_KEEP)
        return f"{self.scheme}://{self.host}{port}{path}" + (f"?{query}" if query else "")


def parse_redirect_uri(text: str) -> RedirectUri | None:
    """``text`` as a redirect URI, or ``None`` when the tenant would never redirect to it."""
    if not text or len(text) > MAX_REDIRECT_URI or "#" in text:
        return None
    # Unicode's categories Z (whitespace) and C (controls such as CR, LF and tab, format
    # characters, lone surrogates, private use, unassigned): urlsplit drops some of them
    # silently, a header cannot carry others, and none belongs in a URI.
    if any(unicodedata.category(c)[0] in "CZ" for c in text):
        return None
    try:
        parts = urlsplit(text)
    except ValueError:  # an unclosed or invalid bracketed host
        return None
    if parts.scheme not in _SCHEMES or not parts.netloc or "@" in parts.netloc:
        return None
    host_port = _host_port(parts.netloc)
    if host_port is None:
        return None
    host, port = host_port
    return RedirectUri(parts.scheme, host, port, parts.path, parts.query)


def _host_port(netloc: str) -> tuple[str, int | None] | None:
    if netloc.startswith("["):
        inside, bracket, rest = netloc[1:].partition("]")
        if not bracket or "%" in inside or not _ipv6(inside):
            return None
        host = f"[{inside.lower()}]"
        if rest and not rest.startswith(":"):
            return None
        port_text: str | None = rest[1:] if rest else None
    else:
        name, colon, after = netloc.partition(":")
        ascii_name = _domain(name)
        if ascii_name is None:
            return None
        host, port_text = ascii_name, (after if colon else None)
    if port_text is None:
        return host, None
    if not (port_text.isascii() and port_text.isdigit() and 1 <= int(port_text) <= 65535):
        return None
    return host, int(port_text)


def _ipv6(text: str) -> bool:
    try:
        ipaddress.IPv6Address(text)
    except ValueError:
        return False
    return True


def _domain(name: str) -> str | None:
    """A host name (or an IPv4 address) in ASCII and lower case: IDNA for the rest, when IDNA
    gives the name back. A name IDNA 2003 (the standard library's) would map to another (``ß`` to
    ``ss``, full-width letters to ASCII) is refused: browsers map some of them otherwise, and the
    redirect must go where the client meant."""
    try:
        ascii_name = name.encode("idna").decode("ascii").lower()
        back = ascii_name.encode("ascii").decode("idna")
    except UnicodeError:  # an empty label, one over 63 characters, bad punycode (xn--zz)
        return None
    if not name.isascii() and back != name.lower():
        return None
    labels = ascii_name.removesuffix(".").split(".")
    if len(ascii_name) > 253 or not all(_LABEL.match(label) for label in labels):
        return None
    return ascii_name


def redirect_matches(registered: str, given: str) -> bool:
    """Whether ``given`` may be redirected to for a client that registered ``registered``."""
    want, got = parse_redirect_uri(registered), parse_redirect_uri(given)
    if want is None or got is None:
        return False
    if registered == given:
        return True
    return want.loopback and (got.scheme, got.host, got.path, got.query) == (
        want.scheme,
        want.host,
        want.path,
        want.query,
    )


def redirect_location(uri: str, answer: Mapping[str, str]) -> str | None:
    """The ``Location`` that sends ``answer`` to ``uri``; ``None`` for a URI that does not parse
    (which :func:`redirect_matches` never accepted)."""
    parsed = parse_redirect_uri(uri)
    return None if parsed is None else parsed.location(answer)


def pkce_problem(challenge: str | None, method: str | None) -> str | None:
    """What is wrong with an authorization request's PKCE parameters (its ``error_description``),
    or ``None``. ``method`` is the one in effect: ``plain`` when a challenge came without one
    (RFC 7636 section 4.3)."""
    if challenge is None:
        return None if method is None else "code_challenge_method needs a code_challenge."
    if method not in PKCE_METHODS:
        return "code_challenge_method is S256 or plain."
    if not _PKCE_TEXT.match(challenge):
        return "code_challenge is 43 to 128 characters of A-Z, a-z, 0-9, '-', '.', '_' and '~'."
    return None


def verifier_ok(verifier: str) -> bool:
    """Whether ``verifier`` has the form of a ``code_verifier`` (RFC 7636 section 4.1)."""
    return _PKCE_TEXT.match(verifier) is not None

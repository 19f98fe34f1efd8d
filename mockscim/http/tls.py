"""Certificates for serving HTTPS: a throwaway CA and its server certificate, or the user's own.

A throwaway CA is made fresh for every server (``trustme``: ECDSA P-256 keys, the CA and the leaf
signed in memory, nothing written but the CA certificate a client needs to trust). The server
certificate names ``localhost``, ``127.0.0.1`` and ``::1``, the bound host when it is a name
or a specific address, and ``NAME.localhost`` for each tenant served (the Host form of
``docs/dialect.md#paths``; a tenant name with a ``.`` or ``_`` has no Host form and no name). Each
by name: Python's ``ssl`` (OpenSSL) and Node both refuse a ``*.localhost`` wildcard, one label
under a top-level name. A brought certificate is loaded as it is; the key must match it.

Every problem is a :class:`TlsError` with a one-line message naming the file and what is wrong.
"""

from __future__ import annotations

import ipaddress
import os
import re
import shlex
import ssl
from collections.abc import Iterable
from dataclasses import dataclass

import trustme

__all__ = [
    "LOOPBACK_NAMES",
    "TRUST_VARIABLES",
    "ServerCertificate",
    "TlsError",
    "brought",
    "client_context",
    "tenant_hosts",
    "throwaway",
    "trust_lines",
]

#: What the throwaway server certificate is always valid for.
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")
_WILDCARDS = {"", "0.0.0.0", "::"}
#: A DNS label (RFC 1123): what a tenant name must be to have a ``NAME.localhost``.
_HOST_LABEL = re.compile(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?")


class TlsError(Exception):
    """A certificate, key or CA path that cannot be used (the message is one line)."""


@dataclass(frozen=True)
class ServerCertificate:
    """What an HTTPS server presents (``context``) and, for a throwaway CA, what clients trust."""

    context: ssl.SSLContext
    #: The throwaway CA's certificate (PEM); None for a certificate the user brought.
    ca_pem: bytes | None


def _server_context() -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


def _names_for(host: str) -> list[str]:
    names = list(LOOPBACK_NAMES)
    bare = host.strip("[]")
    if bare not in _WILDCARDS and bare not in names:
        try:
            names.append(str(ipaddress.ip_address(bare)))
        except ValueError:
            names.append(bare)
    return names


def tenant_hosts(tenants: Iterable[str]) -> list[str]:
    """``NAME.localhost`` (lower case) for each tenant name the Host form can select."""
    names = (name.lower() for name in tenants)
    return list(dict.fromkeys(f"{n}.localhost" for n in names if _HOST_LABEL.fullmatch(n)))


def throwaway(host: str = "127.0.0.1", tenants: Iterable[str] = ()) -> ServerCertificate:
    """A new CA and a server certificate it signed, for the loopback names, ``host`` and the
    Host-form names of ``tenants`` (:func:`tenant_hosts`)."""
    ca = trustme.CA(organization_name="mockscim", organization_unit_name="mockscim throwaway CA")
    names = _names_for(host)
    leaf = ca.issue_cert(*names, *(n for n in tenant_hosts(tenants) if n not in names))
    context = _server_context()
    leaf.configure_cert(context)
    return ServerCertificate(context, ca.cert_pem.bytes())


def brought(cert_file: str, key_file: str) -> ServerCertificate:
    """The user's certificate (a PEM chain, leaf first) and key; :class:`TlsError` when either
    cannot be read or they do not belong together."""
    for flag, path in (("--tls-cert", cert_file), ("--tls-key", key_file)):
        if not os.path.isfile(path):
            raise TlsError(f"{flag} {path}: no such file")
    context = _server_context()

    def no_password() -> bytes:
        raise TlsError(f"--tls-key {key_file}: the key is encrypted (give an unencrypted key)")

    try:
        context.load_cert_chain(cert_file, key_file, password=no_password)
    except ssl.SSLError as exc:
        reason = getattr(exc, "reason", "") or ""
        if "KEY_VALUES_MISMATCH" in reason:
            raise TlsError(
                f"--tls-cert {cert_file} and --tls-key {key_file}: the key does not match the "
                "certificate"
            ) from None
        raise TlsError(
            f"--tls-cert {cert_file} / --tls-key {key_file}: not a PEM certificate and key "
            f"({reason or exc})"
        ) from None
    except OSError as exc:
        raise TlsError(f"--tls-cert {cert_file} / --tls-key {key_file}: {exc.strerror}") from None
    return ServerCertificate(context, None)


def client_context(ca_file: str | None) -> ssl.SSLContext:
    """A client context that trusts only ``ca_file`` (None: no verification, for a brought
    certificate whose CA mockscim does not know)."""
    if ca_file is None:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return context
    return ssl.create_default_context(cafile=ca_file)


#: The variables that make curl, OpenSSL-based clients (Python ``ssl``, Go), requests and Node
#: trust a CA file, with what each is for (``docs/tls-and-exec.md#trusting-the-ca``).
TRUST_VARIABLES = (
    ("SSL_CERT_FILE", "OpenSSL, Python ssl, Go: only this CA"),
    ("CURL_CA_BUNDLE", "curl"),
    ("REQUESTS_CA_BUNDLE", "Python requests"),
    ("NODE_EXTRA_CA_CERTS", "Node: added to its own roots"),
)


def trust_lines(ca_file: str) -> list[str]:
    """The banner's ``export`` lines that make clients in a shell trust the throwaway CA."""
    quoted = shlex.quote(ca_file)
    width = max(len(name) for name, _ in TRUST_VARIABLES) + len(quoted) + 1
    return [
        f"  {'trust it:' if i == 0 else '':<12}{f'export {name}={quoted}':<{width + 7}}  # {what}"
        for i, (name, what) in enumerate(TRUST_VARIABLES)
    ]

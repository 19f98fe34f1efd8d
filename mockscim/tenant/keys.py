"""A tenant's signing key: RS256, published as PEM, JWK and JWKS (``docs/dialect.md#openid-connect``).

Every tenant signs its tokens with its own RSA key, identified by a ``kid``. A tenant keeps its key
for the life of the process, across resets (as a real tenant keeps its key across restarts; a
reset still ends every token it issued, see :mod:`.tokens`). In deterministic mode (``--seed``) the
key comes from the seed and the tenant's name, so two runs publish the same key and sign the same
bytes; otherwise it is a fresh random key, made the first time a tenant of that name needs one.

cryptography cannot draw a key from a seed, so the deterministic key's primes come from a seeded
:class:`random.Random` and a Miller-Rabin test (a test checks cryptography accepts the result);
the key is then built with cryptography, which does all the signing.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import random
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # cryptography is imported by the first key, not by a start
    from cryptography.hazmat.primitives.asymmetric import rsa

__all__ = ["SigningKey", "signing_key"]

KEY_BITS = 2048
_EXPONENT = 65537


@functools.cache
def _small_primes() -> list[int]:
    """The odd primes under 2,000 (made by the first seeded key: a few ms no start should pay)."""
    return [p for p in range(3, 2000) if all(p % d for d in range(2, int(p**0.5) + 1))]


@dataclass(frozen=True)
class SigningKey:
    """An RSA key pair and its ``kid``."""

    private: rsa.RSAPrivateKey
    kid: str

    @property
    def public(self) -> rsa.RSAPublicKey:
        return self.private.public_key()

    def public_pem(self) -> str:
        from cryptography.hazmat.primitives import serialization

        return self.public.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode("ascii")

    def jwk(self) -> dict[str, Any]:
        numbers = self.public.public_numbers()
        return {
            "kty": "RSA",
            "use": "sig",
            "alg": "RS256",
            "kid": self.kid,
            "n": _b64uint(numbers.n),
            "e": _b64uint(numbers.e),
        }

    def jwks(self) -> dict[str, Any]:
        return {"keys": [self.jwk()]}


def _b64uint(value: int) -> str:
    raw = value.to_bytes((value.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _kid(key: rsa.RSAPrivateKey) -> str:
    from cryptography.hazmat.primitives import serialization

    der = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return hashlib.sha256(der).hexdigest()[:16]


@functools.cache
def signing_key(tenant: str, seed: int | None) -> SigningKey:
    """The key of the tenant called ``tenant`` (in this process; from ``seed`` when given)."""
    from cryptography.hazmat.primitives.asymmetric import rsa

    if seed is None:
        private = rsa.generate_private_key(public_exponent=_EXPONENT, key_size=KEY_BITS)
    else:
        private = _seeded_key(random.Random(f"mockscim-key:{seed}:{tenant.casefold()}"))
    return SigningKey(private, _kid(private))


def _seeded_key(rng: random.Random) -> rsa.RSAPrivateKey:
    from cryptography.hazmat.primitives.asymmetric import rsa

    while True:
        p = _prime(rng, KEY_BITS // 2)
        q = _prime(rng, KEY_BITS // 2)
        if p == q:
            continue
        n = p * q
        phi = (p - 1) * (q - 1)
        if n.bit_length() != KEY_BITS or phi % _EXPONENT == 0:
            continue
        d = pow(_EXPONENT, -1, phi)
        numbers = rsa.RSAPrivateNumbers(
            p=p,
            q=q,
            d=d,
            dmp1=d % (p - 1),
            dmq1=d % (q - 1),
            iqmp=pow(q, -1, p),
            public_numbers=rsa.RSAPublicNumbers(_EXPONENT, n),
        )
        return numbers.private_key()


def _prime(rng: random.Random, bits: int) -> int:
    while True:
        candidate = rng.getrandbits(bits) | (1 << (bits - 1)) | (1 << (bits - 2)) | 1
        if any(candidate % p == 0 for p in _small_primes()):
            continue
        if (candidate - 1) % _EXPONENT != 0 and _probably_prime(candidate, rng):
            return candidate


def _probably_prime(n: int, rng: random.Random, rounds: int = 40) -> bool:
    """Miller-Rabin: a composite passes 40 rounds with probability below 2**-80."""
    d, s = n - 1, 0
    while d % 2 == 0:
        d //= 2
        s += 1
    for _ in range(rounds):
        x = pow(rng.randrange(2, n - 1), d, n)
        if x in (1, n - 1):
            continue
        for _ in range(s - 1):
            x = pow(x, 2, n)
            if x == n - 1:
                break
        else:
            return False
    return True

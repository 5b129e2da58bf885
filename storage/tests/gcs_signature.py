"""Offline verification of GCS V4 signed URLs (GOOG4-RSA-SHA256).

fake-gcs-server accepts any signature, so the tests check signatures here, the
way Cloud Storage does: rebuild the canonical request from the URL and the
headers a client will send, hash it into the string to sign, and verify the
RSA-SHA256 (PKCS #1 v1.5) signature with the signer's public key.

Spec: https://cloud.google.com/storage/docs/authentication/signatures
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, quote, urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

ALGORITHM = "GOOG4-RSA-SHA256"


@dataclass(frozen=True)
class SignedURLParts:
    path: str
    query: dict[str, str]  # decoded, without X-Goog-Signature
    signature: bytes
    email: str
    scope: str
    date: datetime
    expires_seconds: int
    signed_headers: list[str]

    @property
    def expires_at(self) -> datetime:
        return self.date + timedelta(seconds=self.expires_seconds)


def parse(url: str) -> SignedURLParts:
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query, keep_blank_values=True, strict_parsing=True))
    signature = bytes.fromhex(query.pop("X-Goog-Signature"))
    if query["X-Goog-Algorithm"] != ALGORITHM:
        raise ValueError(f"unexpected algorithm {query['X-Goog-Algorithm']}")
    email, scope = query["X-Goog-Credential"].split("/", 1)
    return SignedURLParts(
        path=parts.path,
        query=query,
        signature=signature,
        email=email,
        scope=scope,
        date=datetime.strptime(query["X-Goog-Date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC),
        expires_seconds=int(query["X-Goog-Expires"]),
        signed_headers=query["X-Goog-SignedHeaders"].split(";"),
    )


def _encode(value: str) -> str:
    return quote(value, safe="-_.~")


def canonical_request(url: str, *, method: str, headers: dict[str, str]) -> str:
    """The canonical request Cloud Storage rebuilds for a request to `url`."""
    parts = urlsplit(url)
    signed = parse(url)
    sent = {name.lower().strip(): " ".join(value.split()) for name, value in headers.items()}
    sent.setdefault("host", parts.netloc)
    missing = [name for name in signed.signed_headers if name not in sent]
    if missing:
        raise KeyError(f"signed headers not sent: {missing}")
    canonical_headers = "".join(f"{name}:{sent[name]}\n" for name in signed.signed_headers)
    canonical_query = "&".join(
        sorted(f"{_encode(name)}={_encode(value)}" for name, value in signed.query.items())
    )
    payload = sent.get("x-goog-content-sha256", "UNSIGNED-PAYLOAD")
    return "\n".join(
        [
            method,
            parts.path,
            canonical_query,
            canonical_headers,
            ";".join(signed.signed_headers),
            payload,
        ]
    )


def string_to_sign(url: str, *, method: str, headers: dict[str, str]) -> str:
    signed = parse(url)
    digest = hashlib.sha256(
        canonical_request(url, method=method, headers=headers).encode()
    ).hexdigest()
    return "\n".join([ALGORITHM, signed.query["X-Goog-Date"], signed.scope, digest])


def verify(url: str, *, method: str, headers: dict[str, str], public_key: rsa.RSAPublicKey) -> bool:
    """True when Cloud Storage would accept this signature for this request."""
    signed = parse(url)
    if signed.scope != f"{signed.date:%Y%m%d}/auto/storage/goog4_request":
        return False
    try:
        message = string_to_sign(url, method=method, headers=headers).encode()
    except KeyError:
        return False
    try:
        public_key.verify(signed.signature, message, padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        return False
    return True

"""API keys: which tenant a request belongs to.

Keys are held only as sha256 hex digests. ``KeyRing.from_settings`` reads them from
``ApiSettings.keys`` ("key:tenant,...") and ``ApiSettings.key_hashes`` ("sha256hex:tenant,...");
``KeyRing.tenant_for`` turns an ``Authorization`` header into a ``Principal`` or raises
``AuthError``. Nothing here knows about HTTP frameworks; the gateway passes the header in.

>>> ring = KeyRing.from_settings(ApiSettings(keys="s3cret:acme"))
>>> ring.tenant_for("Bearer s3cret")
Principal(tenant='acme', key_id='1ec1c26b50d5')
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass, field

from lexray.errors import LexRayError
from lexray.settings import ApiSettings

TENANT_PATTERN = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
_SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")
KEY_ID_LENGTH = 12
ANONYMOUS_KEY_ID = "anonymous"


class AuthError(LexRayError):
    """The request carries no usable API key (HTTP 401). The message never contains the key."""

    code = "unauthorized"
    http_status = 401


def hash_key(key: str) -> str:
    """The sha256 hex digest of an API key, the only form in which keys are kept.

    >>> hash_key("s3cret")[:12]
    '1ec1c26b50d5'
    """
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Principal:
    """Who is calling: the tenant whose data the request may touch, and a loggable key id.

    ``key_id`` is the first 12 hex characters of the key's hash (``"anonymous"`` when auth is
    off): safe to log and to use as a rate-limit bucket, useless for recovering the key.
    """

    tenant: str
    key_id: str


@dataclass(frozen=True)
class KeyRing:
    """The configured keys (by hash) and their tenants.

    >>> ring = KeyRing.from_settings(ApiSettings(auth_enabled=False, default_tenant="lab"))
    >>> ring.tenant_for(None)
    Principal(tenant='lab', key_id='anonymous')
    """

    hashes_to_tenant: dict[str, str]
    auth_enabled: bool
    default_tenant: str
    _digest_by_key_id: dict[str, str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Looking keys up by their public key_id leaves the secret part of the digest to a
        # constant-time compare; key_ids must be unique anyway, as log names and rate buckets.
        digest_by_key_id: dict[str, str] = {}
        for digest in self.hashes_to_tenant:
            key_id = digest[:KEY_ID_LENGTH]
            if key_id in digest_by_key_id:
                raise ValueError(f"two API keys share the key id {key_id}; replace one of them")
            digest_by_key_id[key_id] = digest
        object.__setattr__(self, "_digest_by_key_id", digest_by_key_id)

    @classmethod
    def from_settings(cls, api: ApiSettings) -> KeyRing:
        """Parse ``api.keys`` and ``api.key_hashes``; raise ValueError on a malformed item.

        Errors name the setting and the item's 1-based position, never the key itself.
        An auth-enabled ring with no keys is allowed; it rejects every request.

        >>> KeyRing.from_settings(ApiSettings(keys="a:t1, ,b:t2")).hashes_to_tenant[hash_key("b")]
        't2'
        >>> KeyRing.from_settings(ApiSettings(keys="a:t1,oops"))
        Traceback (most recent call last):
        ...
        ValueError: api.keys item 2: expected 'key:tenant'
        """
        if not TENANT_PATTERN.match(api.default_tenant):
            raise ValueError(f"api.default_tenant must match {TENANT_PATTERN.pattern}")
        hashes_to_tenant: dict[str, str] = {}
        plain = [(hash_key(key), tenant, place) for key, tenant, place in _items(api.keys, "api.keys")]
        hashed = [
            (_checked_digest(digest, place), tenant, place)
            for digest, tenant, place in _items(api.key_hashes, "api.key_hashes")
        ]
        for digest, tenant, place in plain + hashed:
            known = hashes_to_tenant.get(digest)
            if known is not None and known != tenant:
                raise ValueError(f"{place}: the same key is already given to another tenant")
            hashes_to_tenant[digest] = tenant
        return cls(hashes_to_tenant, api.auth_enabled, api.default_tenant)

    def tenant_for(self, authorization_header: str | None) -> Principal:
        """The caller of a request with this ``Authorization`` header, or AuthError.

        >>> ring = KeyRing.from_settings(ApiSettings(keys="s3cret:acme"))
        >>> ring.tenant_for("Bearer wrong")
        Traceback (most recent call last):
        ...
        serve_app.auth.AuthError: invalid API key
        """
        if not self.auth_enabled:
            return Principal(self.default_tenant, ANONYMOUS_KEY_ID)
        if authorization_header is None or not authorization_header.strip():
            raise AuthError("missing API key")
        parts = authorization_header.split()
        # The auth scheme is case-insensitive (RFC 9110 section 11.1).
        if len(parts) != 2 or parts[0].lower() != "bearer":
            raise AuthError("malformed Authorization header")
        digest = hash_key(parts[1])
        key_id = digest[:KEY_ID_LENGTH]
        known_digest = self._digest_by_key_id.get(key_id)
        if known_digest is None or not hmac.compare_digest(known_digest, digest):
            raise AuthError("invalid API key")
        return Principal(self.hashes_to_tenant[known_digest], key_id)


def _items(spec: str, setting: str) -> list[tuple[str, str, str]]:
    """``(secret, tenant, place)`` for each non-empty item of "secret:tenant,...".

    The split is on the last ':', so a key may itself contain ':' (a tenant cannot).

    >>> _items(" a:t1 ,, b:c:t2", "api.keys")
    [('a', 't1', 'api.keys item 1'), ('b:c', 't2', 'api.keys item 3')]
    """
    parsed = []
    for position, item in enumerate(spec.split(","), start=1):
        item = item.strip()
        if not item:
            continue
        place = f"{setting} item {position}"
        secret, separator, tenant = item.rpartition(":")
        secret, tenant = secret.strip(), tenant.strip()
        if not separator:
            raise ValueError(f"{place}: expected 'key:tenant'")
        if not secret:
            raise ValueError(f"{place}: the key is empty")
        if not TENANT_PATTERN.match(tenant):
            raise ValueError(f"{place}: the tenant must match {TENANT_PATTERN.pattern}")
        parsed.append((secret, tenant, place))
    return parsed


def _checked_digest(digest: str, place: str) -> str:
    digest = digest.lower()
    if not _SHA256_HEX.match(digest):
        raise ValueError(f"{place}: expected a 64-character sha256 hex digest")
    return digest

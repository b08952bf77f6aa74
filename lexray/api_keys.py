"""API keys: which tenant a request belongs to.

Keys are held only as HMAC-SHA256 hex digests under a server secret (``api.key_hash_secret``,
else the file ``api.key_hash_secret_file``, by default ``<data_dir>/secrets/api_key_hash_secret``,
created with a random secret on first use). A leaked digest (a log, a runtime_env, a config
file) is useless without that secret. ``KeyRing.from_settings`` reads the keys from
``ApiSettings.keys`` ("key:tenant,...", keys of at least ``api.min_key_chars`` characters) and
``ApiSettings.key_hashes`` ("hmachex:tenant,..."); ``KeyRing.tenant_for`` turns an
``Authorization`` header into a ``Principal`` or raises ``AuthError``. Nothing here knows about
HTTP frameworks; the gateway passes the header in.

A tenant may hold several keys at once, which is how keys are rotated: add the new key's
digest beside the old one, move the clients, then remove the old one.

Operators compute digests with ``python -m lexray.api_keys hash-key`` (the key on stdin) or make
a new key with ``python -m lexray.api_keys new-key --tenant acme``, under the same settings
(data directory or secret) as the server.

>>> ring = KeyRing.from_settings(ApiSettings(keys="sk-acme-0123456789abcdefghij:acme"), b"server-secret-0123")
>>> ring.tenant_for("Bearer sk-acme-0123456789abcdefghij")
Principal(tenant='acme', key_id='808c406041e4')
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import os
import re
import secrets
import sys
from dataclasses import dataclass, field
from pathlib import Path

from lexray.errors import LexRayError
from lexray.settings import ApiSettings, Settings, get_settings

TENANT_PATTERN = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
_HEX_DIGEST = re.compile(r"^[0-9a-f]{64}$")
KEY_ID_LENGTH = 12
ANONYMOUS_KEY_ID = "anonymous"
MIN_SECRET_CHARS = 16


class AuthError(LexRayError):
    """The request carries no usable API key (HTTP 401). The message never contains the key."""

    code = "unauthorized"
    http_status = 401


def hash_key(key: str, secret: bytes) -> str:
    """The HMAC-SHA256 hex digest of an API key under the server secret: the only form in which
    keys are kept.

    >>> hash_key("sk-acme-0123456789abcdefghij", b"server-secret-0123")[:12]
    '808c406041e4'
    >>> hash_key("sk-acme-0123456789abcdefghij", b"another-secret")[:12] != '808c406041e4'
    True
    """
    return hmac.new(secret, key.encode("utf-8"), hashlib.sha256).hexdigest()


def key_hash_secret_path(settings: Settings) -> Path:
    """Where the secret is kept when ``api.key_hash_secret`` is not given."""
    return settings.api.key_hash_secret_file or settings.data_dir / "secrets" / "api_key_hash_secret"


def load_key_hash_secret(settings: Settings, *, create: bool = True) -> bytes:
    """The server secret of the key digests: ``api.key_hash_secret``, else the secret file,
    which is created (random, mode 0600) when missing and ``create`` is set.

    Every process that checks or computes digests (replicas, ``make up``, the CLI) must see the
    same secret: the same data directory, the same file or the same setting.
    """
    given = settings.api.key_hash_secret.get_secret_value().strip()
    if given:
        secret = given
    else:
        path = key_hash_secret_path(settings)
        if create and not path.exists():
            _create_secret_file(path)
        try:
            secret = path.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            raise ValueError(f"no API key hash secret: set api.key_hash_secret or create {path}") from None
    if len(secret) < MIN_SECRET_CHARS:
        raise ValueError(f"the API key hash secret needs at least {MIN_SECRET_CHARS} characters")
    return secret.encode("utf-8")


def _create_secret_file(path: Path) -> None:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another replica made it first: use theirs
        return
    with os.fdopen(descriptor, "w", encoding="utf-8") as secret_file:
        secret_file.write(secrets.token_hex(32) + "\n")


@dataclass(frozen=True)
class Principal:
    """Who is calling: the tenant whose data the request may touch, and a loggable key id.

    ``key_id`` is the first 12 hex characters of the key's digest (``"anonymous"`` when auth is
    off): safe to log and to use as a rate-limit bucket, useless for recovering the key.
    """

    tenant: str
    key_id: str


@dataclass(frozen=True)
class KeyRing:
    """The configured keys (by hash) and their tenants.

    >>> ring = KeyRing.from_settings(ApiSettings(auth_enabled=False, default_tenant="lab"), b"")
    >>> ring.tenant_for(None)
    Principal(tenant='lab', key_id='anonymous')
    """

    hashes_to_tenant: dict[str, str]
    auth_enabled: bool
    default_tenant: str
    secret: bytes = field(default=b"", repr=False)
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
    def from_settings(cls, api: ApiSettings, secret: bytes) -> KeyRing:
        """Parse ``api.keys`` and ``api.key_hashes`` (digests under ``secret``, the server secret
        of ``load_key_hash_secret``); raise ValueError on a malformed item.

        Errors name the setting and the item's 1-based position, never the key itself.
        An auth-enabled ring with no keys is allowed; it rejects every request.

        >>> keys = "key-one-0123456789abcdef:t1, ,key-two-0123456789abcdef:t2"
        >>> ring = KeyRing.from_settings(ApiSettings(keys=keys), b"s" * 16)
        >>> ring.hashes_to_tenant[hash_key("key-two-0123456789abcdef", b"s" * 16)]
        't2'
        >>> KeyRing.from_settings(ApiSettings(key_hashes="0" * 64 + ":t1,oops"), b"s" * 16)
        Traceback (most recent call last):
        ...
        ValueError: api.key_hashes item 2: expected 'key:tenant'
        """
        if not TENANT_PATTERN.match(api.default_tenant):
            raise ValueError(f"api.default_tenant must match {TENANT_PATTERN.pattern}")
        plain_items = _items(api.keys, "api.keys")
        hashed_items = _items(api.key_hashes, "api.key_hashes")
        if (plain_items or hashed_items) and len(secret) < MIN_SECRET_CHARS:
            raise ValueError(f"API keys need a key hash secret of at least {MIN_SECRET_CHARS} characters")
        hashes_to_tenant: dict[str, str] = {}
        plain = [(hash_key(key, secret), tenant, place) for key, tenant, place in plain_items]
        hashed = [(_checked_digest(digest, place), tenant, place) for digest, tenant, place in hashed_items]
        for digest, tenant, place in plain + hashed:
            known = hashes_to_tenant.get(digest)
            if known is not None and known != tenant:
                raise ValueError(f"{place}: the same key is already given to another tenant")
            hashes_to_tenant[digest] = tenant
        return cls(hashes_to_tenant, api.auth_enabled, api.default_tenant, secret)

    @classmethod
    def of(cls, settings: Settings) -> KeyRing:
        """The ring of ``settings``' keys under the server secret (read, or created, only when
        keys are configured)."""
        has_keys = bool(settings.api.keys.strip() or settings.api.key_hashes.strip())
        return cls.from_settings(settings.api, load_key_hash_secret(settings) if has_keys else b"")

    def tenant_for(self, authorization_header: str | None) -> Principal:
        """The caller of a request with this ``Authorization`` header, or AuthError.

        >>> ring = KeyRing.from_settings(ApiSettings(keys="sk-acme-0123456789abcdefghij:acme"), b"s" * 16)
        >>> ring.tenant_for("Bearer wrong")
        Traceback (most recent call last):
        ...
        lexray.api_keys.AuthError: invalid API key
        """
        if not self.auth_enabled:
            return Principal(self.default_tenant, ANONYMOUS_KEY_ID)
        if authorization_header is None or not authorization_header.strip():
            raise AuthError("missing API key")
        parts = authorization_header.split()
        # The auth scheme is case-insensitive (RFC 9110 section 11.1).
        if len(parts) != 2 or parts[0].lower() != "bearer":
            raise AuthError("malformed Authorization header")
        digest = hash_key(parts[1], self.secret)
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
    if not _HEX_DIGEST.match(digest):
        raise ValueError(f"{place}: expected a 64-character HMAC-SHA256 hex digest "
                         "(python -m lexray.api_keys hash-key)")
    return digest


def main(argv: list[str] | None = None) -> int:
    """``hash-key``: the digest of the key read from stdin (never from the command line, which
    other users and the shell history see); ``new-key``: a new random key and its digest."""
    parser = argparse.ArgumentParser(prog="python -m lexray.api_keys", description=(
        "API key digests for LEXRAY_API_KEY_HASHES, under the server secret of these settings "
        "(LEXRAY_API_KEY_HASH_SECRET, else LEXRAY_API_KEY_HASH_SECRET_FILE, else "
        "<LEXRAY_DATA_DIR>/secrets/api_key_hash_secret)."))
    parser.add_argument("action", choices=["hash-key", "new-key"])
    parser.add_argument("--tenant", help="print 'digest:tenant', ready for LEXRAY_API_KEY_HASHES")
    args = parser.parse_args(argv)
    settings = get_settings()
    if args.tenant is not None and not TENANT_PATTERN.match(args.tenant):
        parser.error(f"--tenant must match {TENANT_PATTERN.pattern}")
    if args.action == "new-key":
        key = "lxr_" + secrets.token_urlsafe(32)
        print(f"key (give it to the client; it is not kept): {key}", file=sys.stderr)
    else:
        key = sys.stdin.readline().strip()
        if len(key) < settings.api.min_key_chars:
            print(f"API keys need at least {settings.api.min_key_chars} characters", file=sys.stderr)
            return 2
    digest = hash_key(key, load_key_hash_secret(settings))
    print(f"{digest}:{args.tenant}" if args.tenant else digest)
    return 0


if __name__ == "__main__":
    sys.exit(main())

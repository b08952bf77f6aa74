"""API keys: parsing the configured keys and resolving Authorization headers to tenants."""

import hashlib
import hmac
import io
import os
import stat
import subprocess
import sys

import pytest
from pydantic import ValidationError

from lexray.settings import ApiSettings, Settings
from lexray.api_keys import AuthError, KeyRing, Principal, key_hash_secret_path, load_key_hash_secret, main

SECRET = "sk-live-9f8e7d6c5b4a3c2d1e0f"
OTHER_SECRET = "sk-live-0a1b2c3d4e5f6a7b8c9d"
SERVER_SECRET = b"server-secret-for-tests-0123"


def hash_key(key: str, secret: bytes = SERVER_SECRET) -> str:
    from lexray.api_keys import hash_key as keyed_hash

    return keyed_hash(key, secret)


def _ring(**api_fields) -> KeyRing:
    return KeyRing.from_settings(ApiSettings(**api_fields), SERVER_SECRET)


def test_hash_key_is_hmac_sha256_under_the_server_secret():
    assert hash_key("abc") == hmac.new(SERVER_SECRET, b"abc", hashlib.sha256).hexdigest()
    assert hash_key("abc") != hashlib.sha256(b"abc").hexdigest()
    assert hash_key("abc", b"another-server-secret") != hash_key("abc")


def test_parses_keys_and_hashes_with_spaces_and_empty_items():
    ring = _ring(keys=f" {SECRET} : acme ,, ", key_hashes=f"{hash_key(OTHER_SECRET).upper()}:beta.co")
    assert ring.hashes_to_tenant == {hash_key(SECRET): "acme", hash_key(OTHER_SECRET): "beta.co"}
    assert ring.auth_enabled is True and ring.default_tenant == "default"
    assert SECRET not in repr(ring) and SERVER_SECRET.decode() not in repr(ring)


def test_key_may_contain_colons():
    ring = _ring(keys="a:b:c:0123456789abcdef0123:tenant-1")
    assert ring.hashes_to_tenant == {hash_key("a:b:c:0123456789abcdef0123"): "tenant-1"}


@pytest.mark.parametrize("short_key", ["s3cret", "x" * 23, "sk-live-9f8e7d6c5b4a"])
def test_keys_shorter_than_the_minimum_are_refused_without_printing_them(short_key):
    for build in (lambda: ApiSettings(keys=f"{SECRET}:t1,{short_key}:t2"),
                  lambda: Settings(api={"keys": f"{SECRET}:t1,{short_key}:t2"})):
        with pytest.raises(ValidationError) as caught:
            build()
        message = str(caught.value)
        assert "api.keys item 2: API keys need at least 24 characters" in message
        assert short_key not in message and SECRET not in message


def test_the_minimum_key_length_is_a_setting():
    assert ApiSettings(keys=f"{'k' * 24}:t1").keys
    with pytest.raises(ValidationError, match="at least 30 characters"):
        ApiSettings(keys=f"{'k' * 24}:t1", min_key_chars=30)


def test_keys_need_a_server_secret():
    with pytest.raises(ValueError, match="key hash secret"):
        KeyRing.from_settings(ApiSettings(keys=f"{SECRET}:acme"), b"")
    assert KeyRing.from_settings(ApiSettings(), b"").hashes_to_tenant == {}


def test_the_server_secret_is_the_setting_else_a_private_file_made_once(tmp_path):
    settings = Settings(data_dir=tmp_path)
    path = key_hash_secret_path(settings)
    with pytest.raises(ValueError, match="no API key hash secret"):
        load_key_hash_secret(settings, create=False)
    secret = load_key_hash_secret(settings)
    assert path == tmp_path / "secrets" / "api_key_hash_secret" and len(secret) >= 32
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert load_key_hash_secret(settings) == secret  # the same file, every time
    given = Settings(data_dir=tmp_path, api={"key_hash_secret": "from-the-environment-0123"})
    assert load_key_hash_secret(given) == b"from-the-environment-0123"
    assert "from-the-environment" not in repr(given) and "from-the-environment" not in str(given.api)
    # Replicas get their settings as JSON: the secret survives it.
    assert load_key_hash_secret(Settings.model_validate_json(given.model_dump_json())) == b"from-the-environment-0123"
    with pytest.raises(ValueError, match="at least 16 characters"):
        load_key_hash_secret(Settings(data_dir=tmp_path, api={"key_hash_secret": "short"}))


def test_operator_computes_the_digest_the_server_checks(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("LEXRAY_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("LEXRAY_SETTINGS_JSON", raising=False)
    from lexray.settings import get_settings

    get_settings.cache_clear()
    try:
        monkeypatch.setattr(sys, "stdin", io.StringIO(SECRET + "\n"))
        assert main(["hash-key", "--tenant", "acme"]) == 0
        line = capsys.readouterr().out.strip()
        settings = get_settings()
        ring = KeyRing.from_settings(ApiSettings(key_hashes=line), load_key_hash_secret(settings))
        assert ring.tenant_for(f"Bearer {SECRET}").tenant == "acme"
        monkeypatch.setattr(sys, "stdin", io.StringIO("too-short\n"))
        assert main(["hash-key"]) == 2
        assert main(["new-key", "--tenant", "beta"]) == 0
        captured = capsys.readouterr()
        new_key = captured.err.split()[-1]
        ring = KeyRing.from_settings(ApiSettings(key_hashes=captured.out.strip()), load_key_hash_secret(settings))
        assert len(new_key) >= 24 and ring.tenant_for(f"Bearer {new_key}").tenant == "beta"
    finally:
        get_settings.cache_clear()


def test_the_cli_runs_as_a_module(tmp_path):
    env = {**os.environ, "LEXRAY_DATA_DIR": str(tmp_path)}
    env.pop("LEXRAY_SETTINGS_JSON", None)
    result = subprocess.run([sys.executable, "-m", "lexray.api_keys", "hash-key"], input=SECRET + "\n",
                            capture_output=True, text=True, env=env, timeout=60, check=True)
    secret = load_key_hash_secret(Settings(data_dir=tmp_path), create=False)
    assert result.stdout.strip() == hash_key(SECRET, secret) and SECRET not in result.stdout + result.stderr


def test_two_keys_of_one_tenant_are_valid_at_once_so_keys_rotate():
    old_key, new_key = SECRET, OTHER_SECRET
    before = _ring(key_hashes=f"{hash_key(old_key)}:acme")
    during = _ring(key_hashes=f"{hash_key(old_key)}:acme,{hash_key(new_key)}:acme")
    after = _ring(key_hashes=f"{hash_key(new_key)}:acme")
    with pytest.raises(AuthError):
        before.tenant_for(f"Bearer {new_key}")
    assert {during.tenant_for(f"Bearer {key}").tenant for key in (old_key, new_key)} == {"acme"}
    # Each key has its own id (logs, rate-limit buckets).
    assert during.tenant_for(f"Bearer {old_key}").key_id != during.tenant_for(f"Bearer {new_key}").key_id
    assert after.tenant_for(f"Bearer {new_key}").tenant == "acme"
    with pytest.raises(AuthError, match="invalid API key"):
        after.tenant_for(f"Bearer {old_key}")


def test_no_keys_gives_an_empty_ring():
    assert _ring().hashes_to_tenant == {}


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"keys": f"{OTHER_SECRET}:t1,{SECRET}"}, "api.keys item 2: expected 'key:tenant'"),
        ({"keys": ":t1"}, "api.keys item 1: the key is empty"),
        ({"keys": f"{OTHER_SECRET}:t1, ,{SECRET}:"}, "api.keys item 3: the tenant must match"),
        ({"keys": f"{SECRET}:bad tenant"}, "api.keys item 1: the tenant must match"),
        ({"keys": f"{SECRET}:" + "t" * 65}, "api.keys item 1: the tenant must match"),
        ({"key_hashes": f"{SECRET}:t1"}, "api.key_hashes item 1: expected a 64-character HMAC-SHA256"),
        ({"key_hashes": "t1"}, "api.key_hashes item 1: expected 'key:tenant'"),
        ({"keys": f"{SECRET}:t1,{SECRET}:t2"}, "api.keys item 2: the same key is already given"),
        (
            {"keys": f"{SECRET}:t1", "key_hashes": f"{hash_key(SECRET)}:t2"},
            "api.key_hashes item 1: the same key is already given",
        ),
        ({"default_tenant": "no/slashes"}, "api.default_tenant must match"),
    ],
)
def test_malformed_items_name_the_position_but_never_the_key(fields, expected):
    with pytest.raises(ValueError) as caught:
        _ring(**fields)
    message = str(caught.value)
    assert message.startswith(expected)
    assert SECRET not in message and hash_key(SECRET) not in message


def test_same_key_twice_for_the_same_tenant_is_fine():
    ring = _ring(keys=f"{SECRET}:t1", key_hashes=f"{hash_key(SECRET)}:t1")
    assert ring.hashes_to_tenant == {hash_key(SECRET): "t1"}


def test_key_ids_must_be_unique():
    twin = hash_key(SECRET)[:12] + "0" * 52
    with pytest.raises(ValueError, match="share the key id"):
        KeyRing({hash_key(SECRET): "t1", twin: "t2"}, True, "default", SERVER_SECRET)


@pytest.mark.parametrize("header", ["Bearer " + SECRET, "bearer " + SECRET, "  BEARER   " + SECRET + " "])
def test_valid_key_gives_its_tenant_and_a_short_key_id(header):
    ring = _ring(keys=f"{SECRET}:acme,{OTHER_SECRET}:beta")
    principal = ring.tenant_for(header)
    assert principal == Principal(tenant="acme", key_id=hash_key(SECRET)[:12])
    assert ring.tenant_for(f"Bearer {OTHER_SECRET}").tenant == "beta"


def test_key_given_as_hash_is_accepted():
    ring = _ring(key_hashes=f"{hash_key(SECRET)}:acme")
    assert ring.tenant_for(f"Bearer {SECRET}").tenant == "acme"


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (None, "missing API key"),
        ("", "missing API key"),
        ("   ", "missing API key"),
        (SECRET, "malformed Authorization header"),
        (f"Basic {SECRET}", "malformed Authorization header"),
        ("Bearer", "malformed Authorization header"),
        (f"Bearer {SECRET} extra", "malformed Authorization header"),
        (f"Bearer {SECRET}x", "invalid API key"),
        (f"Bearer {OTHER_SECRET}", "invalid API key"),
    ],
)
def test_bad_headers_raise_unauthorized_without_echoing_the_key(header, message):
    ring = _ring(keys=f"{SECRET}:acme")
    with pytest.raises(AuthError) as caught:
        ring.tenant_for(header)
    assert str(caught.value) == message
    assert caught.value.code == "unauthorized"


def test_auth_enabled_without_keys_rejects_every_key():
    with pytest.raises(AuthError, match="invalid API key"):
        _ring().tenant_for(f"Bearer {SECRET}")


@pytest.mark.parametrize("header", [None, "", "garbage", f"Bearer {SECRET}", "Bearer unknown"])
def test_auth_disabled_gives_the_default_tenant_whatever_the_header(header):
    ring = _ring(auth_enabled=False, keys=f"{SECRET}:acme", default_tenant="lab-1")
    assert ring.tenant_for(header) == Principal(tenant="lab-1", key_id="anonymous")


def test_same_header_always_resolves_the_same_way():
    ring = _ring(keys=f"{SECRET}:acme")
    assert len({ring.tenant_for(f"Bearer {SECRET}") for _ in range(5)}) == 1

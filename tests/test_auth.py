"""API keys: parsing the configured keys and resolving Authorization headers to tenants."""

import pytest

from lexray.settings import ApiSettings
from serve_app.auth import AuthError, KeyRing, Principal, hash_key

SECRET = "sk-live-9f8e7d6c5b4a"
OTHER_SECRET = "sk-live-0a1b2c3d4e5f"


def _ring(**api_fields) -> KeyRing:
    return KeyRing.from_settings(ApiSettings(**api_fields))


def test_hash_key_is_sha256_hex():
    assert hash_key("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


def test_parses_keys_and_hashes_with_spaces_and_empty_items():
    ring = _ring(keys=f" {SECRET} : acme ,, ", key_hashes=f"{hash_key(OTHER_SECRET).upper()}:beta.co")
    assert ring.hashes_to_tenant == {hash_key(SECRET): "acme", hash_key(OTHER_SECRET): "beta.co"}
    assert ring.auth_enabled is True and ring.default_tenant == "default"
    assert SECRET not in repr(ring)


def test_key_may_contain_colons():
    ring = _ring(keys="a:b:c:tenant-1")
    assert ring.hashes_to_tenant == {hash_key("a:b:c"): "tenant-1"}


def test_no_keys_gives_an_empty_ring():
    assert _ring().hashes_to_tenant == {}


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"keys": f"ok:t1,{SECRET}"}, "api.keys item 2: expected 'key:tenant'"),
        ({"keys": ":t1"}, "api.keys item 1: the key is empty"),
        ({"keys": f"ok:t1, ,{SECRET}:"}, "api.keys item 3: the tenant must match"),
        ({"keys": f"{SECRET}:bad tenant"}, "api.keys item 1: the tenant must match"),
        ({"keys": f"{SECRET}:" + "t" * 65}, "api.keys item 1: the tenant must match"),
        ({"key_hashes": f"{SECRET}:t1"}, "api.key_hashes item 1: expected a 64-character sha256"),
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
        KeyRing({hash_key(SECRET): "t1", twin: "t2"}, True, "default")


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

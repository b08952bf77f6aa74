"""What the local stack (`make up`) hands to the processes it starts."""

import json

from lexray.settings import Settings


def test_stack_env_hands_on_key_digests_never_keys(tmp_path):
    from lexray.local_stack import LocalStack, lexray_env
    from serve_app.auth import hash_key

    environ = {"LEXRAY_API_KEYS": "s3cret-key:acme", "LEXRAY_OCR_DPI": "200", "HOME": "/root"}
    settings = Settings(data_dir=tmp_path / "rel" / ".." / "data", api={"keys": "s3cret-key:acme"})
    env = lexray_env(settings, environ)
    assert "LEXRAY_API_KEYS" not in env and "s3cret-key" not in json.dumps(env)
    assert env["LEXRAY_API_KEY_HASHES"] == f"{hash_key('s3cret-key')}:acme"
    assert env["LEXRAY_OCR_DPI"] == "200" and "HOME" not in env
    assert env["LEXRAY_DATA_DIR"] == str((tmp_path / "data").resolve())
    stack = LocalStack(settings, environ=environ)
    replicas = stack.serve_config()["applications"][0]["runtime_env"]["env_vars"]
    assert "s3cret-key" not in json.dumps(replicas) and "s3cret-key" not in json.dumps(stack.ray_env())
    assert stack.ray_env()["RAY_AUTH_MODE"] == "disabled"
    token = LocalStack(settings, environ={**environ, "RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN_PATH": "/t"})
    assert token.ray_env()["RAY_AUTH_MODE"] == "token" and token.ray_env()["RAY_AUTH_TOKEN_PATH"] == "/t"

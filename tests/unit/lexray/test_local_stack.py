"""What the local stack (`make up`) hands to the processes it starts."""

import json

from lexray.settings import Settings


def test_stack_env_hands_on_key_digests_never_keys(tmp_path):
    from lexray.local_stack import LocalStack, lexray_env
    from lexray.api_keys import hash_key, load_key_hash_secret

    environ = {"LEXRAY_API_KEYS": "s3cret-key-0123456789abcd:acme", "LEXRAY_OCR_DPI": "200", "HOME": "/root"}
    settings = Settings(data_dir=tmp_path / "rel" / ".." / "data", api={"keys": "s3cret-key-0123456789abcd:acme"})
    env = lexray_env(settings, environ)
    assert "LEXRAY_API_KEYS" not in env and "s3cret-key" not in json.dumps(env)
    # Digests under the server secret the stack created in the data directory; its path, not
    # the secret, is handed on.
    secret = load_key_hash_secret(settings, create=False)
    assert env["LEXRAY_API_KEY_HASHES"] == f"{hash_key('s3cret-key-0123456789abcd', secret)}:acme"
    assert env["LEXRAY_API_KEY_HASH_SECRET_FILE"] == str((tmp_path / "data" / "secrets" / "api_key_hash_secret"))
    assert secret.decode() not in json.dumps(env)
    assert env["LEXRAY_OCR_DPI"] == "200" and "HOME" not in env
    assert env["LEXRAY_DATA_DIR"] == str((tmp_path / "data").resolve())
    stack = LocalStack(settings, environ=environ)
    replicas = stack.serve_config()["applications"][0]["runtime_env"]["env_vars"]
    assert "s3cret-key" not in json.dumps(replicas) and "s3cret-key" not in json.dumps(stack.ray_env())
    assert stack.ray_env()["RAY_AUTH_MODE"] == "disabled"
    token = LocalStack(settings, environ={**environ, "RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN_PATH": "/t"})
    assert token.ray_env()["RAY_AUTH_MODE"] == "token" and token.ray_env()["RAY_AUTH_TOKEN_PATH"] == "/t"


def test_replicas_runtime_env_holds_no_credentials(tmp_path):
    from lexray.local_stack import LocalStack

    uri = "mongodb://lexray:s3cretpw@127.0.0.1:27017/?authSource=admin"
    environ = {"LEXRAY_MONGODB_URI": uri, "LEXRAY_API_KEY_HASH_SECRET": "head-only-secret-0123456789"}
    stack = LocalStack(Settings(data_dir=tmp_path, mongodb={"uri": uri}), environ=environ)
    replicas = json.dumps(stack.serve_config())
    assert "s3cretpw" not in replicas and "head-only-secret" not in replicas
    # The head keeps them: its replicas inherit its environment.
    assert stack.ray_env()["LEXRAY_MONGODB_URI"] == uri

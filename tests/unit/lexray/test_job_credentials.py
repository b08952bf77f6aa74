"""Batch jobs get their settings without the MongoDB password: the API submits them with the
URI stripped of it (Ray logs a job's runtime_env), and the job takes the password from the
head's environment (``LEXRAY_MONGODB_URI``). The job itself, on a server with authentication:
tests/integration/jobs/test_job_credentials.py."""

from __future__ import annotations

from lexray.settings import SETTINGS_JSON_ENV, Settings, get_settings, uri_without_password, with_password_from


def test_uri_without_password_and_merged_back():
    uri = "mongodb://lexray:s3cret@db1:27017,db2:27017/lexray?authSource=admin&tls=true"
    stripped = uri_without_password(uri)
    assert stripped == "mongodb://lexray@db1:27017,db2:27017/lexray?authSource=admin&tls=true"
    assert with_password_from(stripped, uri) == uri
    # Only for the same user and hosts; never over a password the URI has; nothing to take.
    assert with_password_from(stripped, "mongodb://other:s3cret@db1:27017,db2:27017") == stripped
    assert with_password_from(stripped, "mongodb://lexray:s3cret@db9:27017") == stripped
    assert with_password_from("mongodb://lexray:mine@db1:27017,db2:27017", uri) == "mongodb://lexray:mine@db1:27017,db2:27017"
    assert with_password_from(stripped, "mongodb://db1:27017,db2:27017") == stripped
    assert with_password_from(stripped, None) == stripped
    assert uri_without_password("mongodb+srv://u:p%40ss:w@cluster0.example.net") == "mongodb+srv://u@cluster0.example.net"
    assert uri_without_password("mongodb://127.0.0.1:27017/?w=1") == "mongodb://127.0.0.1:27017/?w=1"


def test_get_settings_takes_the_password_from_the_environment(monkeypatch):
    job_settings = Settings(mongodb={"uri": "mongodb://lexray@db:27017/?authSource=admin", "db": "jobs"})
    monkeypatch.setenv(SETTINGS_JSON_ENV, job_settings.model_dump_json())
    monkeypatch.setenv("LEXRAY_MONGODB_URI", "mongodb://lexray:from-head@db:27017")
    get_settings.cache_clear()
    try:
        merged = get_settings()
        assert merged.mongodb.uri == "mongodb://lexray:from-head@db:27017/?authSource=admin"
        assert merged.mongodb.db == "jobs"  # the JSON still wins for everything else
        get_settings.cache_clear()
        monkeypatch.setenv("LEXRAY_MONGODB_URI", "mongodb://lexray:from-head@elsewhere:27017")
        assert get_settings().mongodb.uri == "mongodb://lexray@db:27017/?authSource=admin"
    finally:
        get_settings.cache_clear()

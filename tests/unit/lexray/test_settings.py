from lexray.settings import Settings


def test_env_vars_reach_nested_groups(monkeypatch):
    monkeypatch.setenv("LEXRAY_MONGODB_URI", "mongodb://db.example:27018")
    monkeypatch.setenv("LEXRAY_MONGODB_DB", "other")
    monkeypatch.setenv("LEXRAY_OCR_DPI", "200")
    monkeypatch.setenv("LEXRAY_CHUNK_SIZE_CHARS", "900")
    monkeypatch.setenv("LEXRAY_DATA_DIR", "/srv/lexray")
    settings = Settings()
    assert settings.mongodb.uri == "mongodb://db.example:27018"
    assert settings.mongodb.db == "other"
    assert settings.ocr.dpi == 200
    assert settings.chunk.size_chars == 900
    assert str(settings.data_dir) == "/srv/lexray"


def test_yaml_files_layer_and_env_wins(monkeypatch, tmp_path):
    base = tmp_path / "base.yaml"
    base.write_text("ocr:\n  dpi: 150\n  language: deu\nindex:\n  shards: 2\n")
    overlay = tmp_path / "overlay.yaml"
    overlay.write_text("index:\n  shards: 8\n")
    monkeypatch.setenv("LEXRAY_CONFIG", f"{base},{overlay}")
    monkeypatch.setenv("LEXRAY_OCR_LANGUAGE", "eng")
    settings = Settings()
    assert settings.ocr.dpi == 150
    assert settings.ocr.language == "eng"
    assert settings.index.shards == 8


def test_defaults_point_at_local_stack(monkeypatch):
    monkeypatch.delenv("LEXRAY_MONGODB_URI", raising=False)
    settings = Settings()
    assert settings.mongodb.uri == "mongodb://127.0.0.1:27017"
    assert settings.mongodb.db == "lexray"


def test_settings_survive_json_round_trip():
    settings = Settings(ocr={"dpi": 222})
    assert Settings.model_validate_json(settings.model_dump_json()).ocr.dpi == 222


def test_errors_survive_pickling_with_their_code():
    import pickle

    from lexray.errors import LexRayError, NotPdfError
    from serve_app.errors import ApiError

    for error in (NotPdfError("no header"), LexRayError("too big", code="payload_too_large"),
                  ApiError("not_found", "no case", headers={"X-A": "1"})):
        copy = pickle.loads(pickle.dumps(error))
        assert type(copy) is type(error) and copy.code == error.code and str(copy) == str(error)
    assert pickle.loads(pickle.dumps(ApiError("not_found", "x", headers={"X-A": "1"}))).headers == {"X-A": "1"}


def test_env_vars_reach_the_enrich_and_extractive_groups(monkeypatch):
    monkeypatch.setenv("LEXRAY_ENRICH_HEAD_CHARS", "2000")
    monkeypatch.setenv("LEXRAY_EXTRACTIVE_MAX_SEGMENT_CHARS", "5000")
    monkeypatch.setenv("LEXRAY_AUDIT_RETRY_WAIT_S", "0.5")
    settings = Settings()
    assert settings.enrich.head_chars == 2000 and settings.enrich.counsel_head_chars == 8000
    assert settings.extractive.max_segment_chars == 5000 and settings.extractive.damping == 0.85
    assert settings.audit.retry_wait_s == 0.5


def test_env_vars_reach_the_summary_and_question_tunables(monkeypatch):
    monkeypatch.setenv("LEXRAY_SUMMARIES_MAX_MAP_PARTS", "8")
    monkeypatch.setenv("LEXRAY_QUESTIONS_MAX_EASY_ANSWER_WORDS", "20")
    settings = Settings()
    assert settings.summaries.max_map_parts == 8 and settings.summaries.calibration_chars == 20_000
    assert settings.questions.max_easy_answer_words == 20 and settings.questions.max_answer_words == 60

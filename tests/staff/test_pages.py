"""The staff pages over HTTP on SQLite and PostgreSQL: sign-in, roles, CSRF, accounts,
the audit log and its export, sign-out."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from fastapi.testclient import TestClient

from tests.staff.conftest import (
    ROLE_USERS,
    STAFF_PASSWORD,
    csrf_of,
    sign_in,
    staff_app,
    staff_settings,
)

ADMIN_PAGES = ["/staff/users", "/staff/audit", "/staff/audit.csv", "/staff/ops"]
OUTREACH_PAGES = ["/staff/review", "/staff/faq"]


def test_staff_pages_send_strangers_to_the_sign_in_form(staff_client: TestClient):
    for path in ["/staff", *ADMIN_PAGES, *OUTREACH_PAGES]:
        response = staff_client.get(path, follow_redirects=False)
        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/login?")
        assert "next=" + path.split("?")[0] in response.headers["location"]


def test_sign_in_sets_a_strict_session_cookie_and_opens_the_workspace(staff_client):
    response = sign_in(staff_client, "out1")
    assert response.status_code == 303 and response.headers["location"] == "/staff"
    cookie = response.headers["set-cookie"]
    assert "alqabi_staff=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "Secure" not in cookie  # plain HTTP here; see the HTTPS test
    home = staff_client.get("/staff")
    assert home.status_code == 200 and "out1" in home.text and "/staff/review" in home.text
    assert home.headers["cache-control"] == "no-store"


def test_cookies_are_secure_behind_https(db_url: str, tmp_path: Path):
    with staff_app(staff_settings(tmp_path / "s", db_url)) as client:
        client.base_url = client.base_url.copy_with(scheme="https")
        cookie = sign_in(client, "out1").headers["set-cookie"]
    assert "Secure" in cookie


def test_each_role_opens_its_pages_only(staff_client: TestClient):
    allowed = {"admin": ADMIN_PAGES, "outreach": OUTREACH_PAGES, "secretary": [], "judge": []}
    for role, name in ROLE_USERS.items():
        staff_client.cookies.clear()
        assert sign_in(staff_client, name).status_code == 303
        for path in ADMIN_PAGES + OUTREACH_PAGES:
            status = staff_client.get(path).status_code
            assert status == (200 if path in allowed[role] else 403), (role, path, status)


def test_a_post_without_the_csrf_token_is_refused(staff_client: TestClient):
    sign_in(staff_client, "root1")
    form = {"username": "newbie", "role": "judge", "password": "a long password 1"}
    for token in (None, "", "forged-token"):
        data = form if token is None else {**form, "csrf_token": token}
        response = staff_client.post("/staff/users", data=data)
        assert response.status_code == 403 and 'data-kind="csrf"' in response.text
    assert "newbie" not in staff_client.get("/staff/users").text
    page = staff_client.get("/staff/users")
    data = {**form, "csrf_token": csrf_of(page.text)}
    assert staff_client.post("/staff/users", data=data).status_code == 200
    assert 'data-user="newbie"' in staff_client.get("/staff/users").text


def test_a_cross_site_post_is_refused_even_with_the_token(staff_client: TestClient):
    sign_in(staff_client, "root1")
    token = csrf_of(staff_client.get("/staff/users").text)
    response = staff_client.post(
        "/staff/users/judge1/disable",
        data={"csrf_token": token},
        headers={"Origin": "https://evil.example"},
    )
    assert response.status_code == 403
    assert 'data-user="judge1"' in staff_client.get("/staff/users").text
    assert sign_in(TestClient(staff_client.app), "judge1").status_code == 303


def test_admin_manages_accounts_and_reads_the_audit_log(staff_client: TestClient):
    sign_in(staff_client, "root1")
    token = csrf_of(staff_client.get("/staff/users").text)
    assert staff_client.post("/staff/users/judge1/disable", data={"csrf_token": token}).is_success
    assert sign_in(TestClient(staff_client.app), "judge1").status_code == 401
    bad = staff_client.post(
        "/staff/users", data={"csrf_token": token, "username": "x y", "role": "judge",
                              "password": "a long password 1"}
    )  # fmt: skip
    assert bad.status_code == 422
    page = staff_client.get("/staff/audit", params={"action": "staff."})
    assert "staff.disable" in page.text and "judge1" in page.text
    export = staff_client.get("/staff/audit.csv", params={"action": "login"})
    rows = list(csv.DictReader(io.StringIO(export.text)))
    assert rows and {r["action"] for r in rows} <= {"login", "login.failed", "login.locked"}
    assert STAFF_PASSWORD not in export.text and token not in export.text
    assert "audit.export" in staff_client.get("/staff/audit").text


def test_sign_out_ends_the_session(staff_client: TestClient):
    sign_in(staff_client, "out1")
    cookie = staff_client.cookies.get("alqabi_staff")
    token = csrf_of(staff_client.get("/staff").text)
    assert staff_client.post("/logout", data={"csrf_token": token}).status_code == 200
    replay = TestClient(staff_client.app, cookies={"alqabi_staff": cookie})
    assert replay.get("/staff", follow_redirects=False).status_code == 303


def test_wrong_passwords_lock_the_sign_in_form(staff_client: TestClient):
    statuses = [sign_in(staff_client, "out1", f"wrong {n}").status_code for n in range(5)]
    assert statuses == [401, 401, 401, 401, 429]
    locked = sign_in(staff_client, "out1", STAFF_PASSWORD)
    assert locked.status_code == 429 and "alqabi_staff" not in locked.headers.get("set-cookie", "")


def test_admin_starts_a_reindex_from_the_workspace(tmp_path: Path):
    settings = staff_settings(tmp_path / "store", f"sqlite:///{tmp_path / 'a.sqlite'}")
    settings = settings.model_copy(update={"corpus_dir": tmp_path / "empty-corpus"})
    with staff_app(settings) as client:
        sign_in(client, "out1")
        token = csrf_of(client.get("/staff").text)
        assert client.post("/staff/ops/reindex", data={"csrf_token": token}).status_code == 403
        client.cookies.clear()
        sign_in(client, "root1")
        token = csrf_of(client.get("/staff/ops").text)
        started = client.post("/staff/ops/reindex", data={"csrf_token": token})
        assert started.status_code == 200 and "reindex" in started.text
        assert "ops.reindex" in client.get("/staff/audit", params={"action": "ops."}).text
        assert client.post("/staff/ops/nonsense", data={"csrf_token": token}).status_code == 404

"""Attacks on the staff workspace: missing, forged and expired cookies, session fixation, role
escalation through form fields, path tricks and brute force. Every one must fail; passwords,
cookies and CSRF tokens must never reach a log or the audit log."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import func, select, text, update

from assistant.db.models import StaffSession, StaffUser
from assistant.staff.accounts import session_key
from tests.hardening.conftest import Record
from tests.staff.conftest import (
    STAFF_PASSWORD,
    cheap_argon2,  # noqa: F401 (an autouse fixture)
    csrf_of,
    sign_in,
    staff_app,
    staff_settings,
)

PROTECTED_GET = [
    "/staff", "/staff/users", "/staff/audit", "/staff/audit.csv", "/staff/ops",
    "/staff/review", "/staff/faq", "/staff/review/1",
]  # fmt: skip
PROTECTED_POST = [
    "/logout", "/staff/users", "/staff/users/root1/disable", "/staff/users/root1/password",
    "/staff/ops/reindex", "/staff/ops/model-reload", "/staff/review/1",
    "/staff/faq/faq-staff-x/revert",
]  # fmt: skip
ESCALATION = {"csrf_token": "x", "username": "evil", "role": "admin", "password": "p" * 12}
# What only a signed-in admin's pages show.
ADMIN_MARKERS = ('id="users"', 'id="audit"', "timestamp,actor", "id,at,actor")


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    with staff_app(staff_settings(tmp_path / "store", f"sqlite:///{tmp_path / 'a.sqlite'}")) as c:
        yield c


def _leaks_admin(response: Response) -> bool:
    return response.status_code == 200 and any(m in response.text for m in ADMIN_MARKERS)


def _signed_in(response: Response) -> bool:
    return response.status_code == 200 and "/logout" in response.text


def test_missing_and_forged_cookies_open_nothing(client: TestClient, figures: Record):
    db = client.app.state.services.db
    sign_in(TestClient(client.app), "root1")
    with db.session() as session:
        stored_id = session.scalar(select(StaffSession.id))  # the sha256 kept in the database
    forged = [
        None, "", "x", secrets.token_urlsafe(32), stored_id, "' OR '1'='1", "a" * 5000,
        "%D0%B0%D0%BB", "%00", session_key("x"),
    ]  # fmt: skip
    tried = successes = 0
    for cookie in forged:
        attacker = TestClient(client.app, cookies={"alqabi_staff": cookie} if cookie else None)
        for path in PROTECTED_GET:
            tried += 1
            response = attacker.get(path, follow_redirects=False)
            successes += _signed_in(response) or _leaks_admin(response)
            assert response.status_code in (303, 401, 404), (cookie, path)
        for path in PROTECTED_POST:
            tried += 1
            response = attacker.post(path, data=ESCALATION)
            successes += response.status_code in (200, 303)
            assert response.status_code == 401, (cookie, path)
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(StaffUser)) == 4
    figures("auth", attacks=tried, successes=successes)
    assert successes == 0


def test_expired_sessions_are_refused_and_removed(client: TestClient, figures: Record):
    db = client.app.state.services.db
    sign_in(client, "root1")
    assert client.get("/staff/users").status_code == 200
    with db.session() as session:
        session.execute(
            update(StaffSession).values(last_seen=datetime.now(UTC) - timedelta(hours=1))
        )
    response = client.get("/staff/users", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login")
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(StaffSession)) == 0
    figures("auth", attacks=1, successes=int(response.status_code == 200))


def test_session_fixation_fails(client: TestClient, figures: Record):
    # The attacker plants a cookie value of their choosing, then a real session of their own.
    planted = "attacker-chosen-session-value"
    victim = TestClient(client.app, cookies={"alqabi_staff": planted})
    response = sign_in(victim, "root1")
    issued = response.cookies.get("alqabi_staff")
    assert issued and issued != planted
    assert not _signed_in(TestClient(client.app, cookies={"alqabi_staff": planted}).get("/staff"))
    attacker_token = sign_in(TestClient(client.app), "out1").cookies.get("alqabi_staff")
    victim = TestClient(client.app, cookies={"alqabi_staff": attacker_token})
    assert sign_in(victim, "root1").cookies.get("alqabi_staff") != attacker_token
    # The planted session ended: the attacker holds nothing, let alone the admin's session.
    after = TestClient(client.app, cookies={"alqabi_staff": attacker_token})
    assert after.get("/staff/users", follow_redirects=False).status_code == 303
    figures("auth", attacks=2, successes=0)


def test_role_escalation_through_form_fields_fails(client: TestClient, figures: Record):
    db = client.app.state.services.db
    attempts = 0
    # Extra fields on the sign-in form do not choose the role.
    outreach = TestClient(client.app)
    form = outreach.get("/login")
    outreach.post("/login", data={"username": "out1", "password": STAFF_PASSWORD,
                                  "csrf_token": csrf_of(form.text), "role": "admin"})  # fmt: skip
    token = csrf_of(outreach.get("/staff").text)
    for path, data in [
        ("/staff/users", {"username": "evil", "role": "admin", "password": "p" * 12}),
        ("/staff/users/out1/password", {"password": "p" * 12}),
        ("/staff/users/root1/disable", {}),
        ("/staff/ops/reindex", {}),
    ]:
        attempts += 1
        response = outreach.post(path, data={**data, "csrf_token": token, "role": "admin"})
        assert response.status_code == 403, path
    for path in ["/staff/users?role=admin", "/staff/audit?as=admin"]:
        attempts += 1
        assert outreach.get(path).status_code == 403
    # An admin cannot create a role that does not exist.
    admin = TestClient(client.app)
    sign_in(admin, "root1")
    admin_token = csrf_of(admin.get("/staff/users").text)
    for role in ("superadmin", "admin ", "ADMIN' --"):
        attempts += 1
        response = admin.post("/staff/users", data={"csrf_token": admin_token,
                                                    "username": "x1", "role": role,
                                                    "password": "p" * 12})  # fmt: skip
        assert response.status_code == 422
    with db.session() as session:
        roles = dict(session.execute(select(StaffUser.username, StaffUser.role)).all())
    assert roles == {"root1": "admin", "sec1": "secretary", "judge1": "judge", "out1": "outreach"}
    figures("auth", attacks=attempts, successes=0)


@pytest.mark.parametrize(
    "path",
    [
        "/staff/../staff/users",
        "/staff/./users",
        "/staff//users",
        "/STAFF/USERS",
        "/staff/users/",
        "/staff/%2e%2e/staff/users",
        "/static/../staff/users",
        "/staff/users%00",
        "/staff/users;.css",
        "/staff/users%2f",
        "/static/%2e%2e/staff/users",
        "/staff/audit.csv/",
        "/staff%2fusers",
    ],
)
def test_path_tricks_reach_no_admin_page(client: TestClient, path: str, figures: Record):
    outreach = TestClient(client.app)
    sign_in(outreach, "out1")
    for who in (TestClient(client.app), outreach):
        response = who.get(path, follow_redirects=True)
        assert not _leaks_admin(response), (path, response.status_code)
    figures("auth", attacks=2, successes=0)


OFF_SITE = ["//evil.example/x", "https://evil.example", "/\\evil.example", "\\\\evil", "/%0d%0aX"]


@pytest.mark.parametrize("target", OFF_SITE)
def test_sign_in_never_redirects_off_site(client: TestClient, target: str):
    form = client.get("/login", params={"next": target})
    data = {"username": "out1", "password": STAFF_PASSWORD, "next": target}
    response = client.post(
        "/login", data={**data, "csrf_token": csrf_of(form.text)}, follow_redirects=False
    )
    location = response.headers["location"]
    assert location.startswith("/") and not location.startswith(("//", "/\\")), location
    assert "evil" not in location or location.startswith("/%")


def test_brute_force_gets_nowhere(client: TestClient, figures: Record):
    guesses = [f"guess-{n:03d}" for n in range(60)]
    guesses.insert(30, STAFF_PASSWORD)  # the right one, well after the lockout
    successes = 0
    for guess in guesses:
        response = sign_in(TestClient(client.app), "root1", guess)
        successes += response.status_code == 303
    # Spraying one password over every account from one client locks the client too.
    for name in ("sec1", "judge1", "out1", "root1", "nobody"):
        successes += sign_in(TestClient(client.app), name, "Password123!").status_code == 303
    assert sign_in(TestClient(client.app), "out1").status_code == 429
    figures("auth", attacks=len(guesses) + 5, successes=successes)
    assert successes == 0


def test_passwords_cookies_and_csrf_tokens_never_reach_a_log(
    client: TestClient, caplog: pytest.LogCaptureFixture, figures: Record
):
    caplog.set_level(logging.DEBUG)
    secrets_seen: list[str] = [STAFF_PASSWORD, "wrong password 42"]
    sign_in(client, "root1", "wrong password 42")
    sign_in(client, "root1")
    cookie = client.cookies.get("alqabi_staff")
    token = csrf_of(client.get("/staff/users").text)
    new_password = "fresh password 987"
    client.post("/staff/users", data={"csrf_token": token, "username": "newbie",
                                      "role": "judge", "password": new_password})  # fmt: skip
    client.post(
        "/staff/users/newbie/password", data={"csrf_token": token, "password": "other password 654"}
    )
    client.post("/staff/users", data={"csrf_token": "forged", "username": "x2",
                                      "role": "judge", "password": "p" * 12})  # fmt: skip
    client.get("/staff/audit.csv")
    secrets_seen += [cookie, token, new_password, "other password 654"]
    db = client.app.state.services.db
    with db.session() as session:
        audit_text = " ".join(
            str(r) for r in session.execute(text("SELECT * FROM audit_log")).all()
        )
    logs = caplog.text
    leaks = [s for s in secrets_seen if s in logs or s in audit_text]
    figures("auth", log_checks=len(secrets_seen), leaks=len(leaks))
    assert not leaks

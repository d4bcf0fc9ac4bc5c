"""Passwords: the failed sign-in throttle (per account from one address, and per address across
accounts), changing your own password, reset links sent by an administrator, the change forced at
first sign-in, what ends sessions and revokes API tokens, HSTS and trusted proxies, and private
mail and upload files.

The test clock starts at the same instant in every test and every test client comes from
127.0.0.1, so a test that counts failures by address gives its clients addresses of their own.
"""

from __future__ import annotations

import email
import email.policy
import io
import os
import re
import stat
from datetime import timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

import pytest
import sqlalchemy as sa

from sara import create_app
from sara.api import tokens
from sara.api.models import ApiToken
from sara.audit.models import AuditEvent
from sara.auth import service as auth_service
from sara.auth.models import User
from sara.extensions import db
from sara.incidents import importer
from sara.incidents import service as incident_service
from sara.notifications import service as notifications
from tests.conftest import PASSWORD, csrf_token, login

NEW_PASSWORD = "a brand new passphrase for sara"
INITIAL_PASSWORD = "an initial password from the admin"
CHANGED = "Your password has been changed. Sign in with your new password."


def client_from(app, address: str):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def html(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def hash_calls(monkeypatch):
    """Every Argon2 check sign-in makes, real or the dummy one for an unknown email, counted."""
    calls: list[str] = []
    real_verify, real_burn = auth_service.verify_password, auth_service.burn_verification_time

    def verify(stored, password):
        calls.append("verify")
        return real_verify(stored, password)

    def burn(password):
        calls.append("burn")
        return real_burn(password)

    monkeypatch.setattr(auth_service, "verify_password", verify)
    monkeypatch.setattr(auth_service, "burn_verification_time", burn)
    return calls


def signs_in(app, user, password: str = PASSWORD, address: str = "192.0.2.250") -> bool:
    return login(client_from(app, address), user, password).status_code == 302


def sent_to_login(response) -> bool:
    return response.status_code == 302 and response.headers["Location"].startswith("/login")


# --- the failed sign-in throttle ---------------------------------------------------------------

def test_one_address_trying_many_accounts_is_stopped_without_hashing(app, make_user, hash_calls,
                                                                     monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_FAILURES_PER_IP_PER_HOUR", 30)
    accounts = [make_user("officer") for _ in range(25)]
    attacker = client_from(app, "203.0.113.7")
    statuses = [login(attacker, user, "not the password").status_code
                for user in accounts for _ in range(2)]
    # Two tries per account never reach the per-account limit; the address's limit stops it.
    assert statuses == [200] * 30 + [429] * 20
    assert len(hash_calls) == 30
    response = login(attacker, accounts[0], PASSWORD)
    assert response.status_code == 429
    assert "too many failed sign-in attempts from your network" in html(response)
    assert len(hash_calls) == 30
    # Another address is not affected, for the same accounts.
    assert signs_in(app, accounts[0], address="203.0.113.8")
    assert signs_in(app, accounts[24], address="203.0.113.8")


def test_a_stranger_failing_from_another_address_does_not_lock_the_real_user_out(app, officer,
                                                                                 hash_calls):
    stranger = client_from(app, "198.51.100.66")
    statuses = [login(stranger, officer, "a guess").status_code for _ in range(8)]
    assert statuses == [200] * 5 + [429] * 3
    # The stranger stays stopped even with the right password, and nothing more is hashed.
    response = login(stranger, officer, PASSWORD)
    assert response.status_code == 429
    assert "too many failed sign-in attempts for this account" in html(response)
    assert len(hash_calls) == 5
    # The officer, from their own address, signs in at once.
    assert signs_in(app, officer, address="192.0.2.10")


def test_failures_from_one_address_on_one_account_wait_a_minute_then_up_to_an_hour(app, officer,
                                                                                   clock):
    client = client_from(app, "192.0.2.20")
    for round_ in range(4):
        for _ in range(5):
            assert login(client, officer, "wrong").status_code == 200
        response = login(client, officer)
        assert response.status_code == 429
        if round_ < 3:
            assert "Wait one minute, then try again" in html(response)
        clock.shift(timedelta(seconds=61))
    # Twenty failures within the hour: a minute's wait is no longer enough, and it says so.
    response = login(client, officer)
    assert response.status_code == 429
    page = html(response)
    assert "too many failed sign-in attempts for this account" in page
    assert re.search(r"Wait (5[0-9]|60) minutes, then try again", page), page
    clock.shift(timedelta(hours=1))
    assert login(client, officer).status_code == 302


def test_throttle_keys_hold_no_email_address(app, make_user):
    user = make_user("officer", email="keys.check@example.org")
    login(client_from(app, "192.0.2.30"), user, "wrong")
    storage = app.extensions["limiter"]
    limiter = next(iter(storage))
    keys = _storage_keys(limiter.storage)
    assert keys, "no throttle counters were written"
    assert not [k for k in keys if "keys.check" in k or "example.org" in k]


def _storage_keys(storage) -> list[str]:
    if hasattr(storage, "events"):  # limits' memory storage
        return [str(k) for k in {**storage.events, **storage.storage}]
    return [k.decode() if isinstance(k, bytes) else k
            for k in storage.get_connection().scan_iter("*sign-in*")]


# --- changing your own password ----------------------------------------------------------------

def change_form(current: str = PASSWORD, new: str = NEW_PASSWORD, again: str | None = None):
    return {"current_password": current, "new_password": new,
            "confirm_password": new if again is None else again}


@pytest.mark.parametrize("form,message", [
    (change_form(current="not my password"), "Your current password is not correct"),
    (change_form(current=""), "Enter your current password"),
    (change_form(again="a different new passphrase"), "The new passwords do not match"),
    (change_form(new="too short", again="too short"), "at least 12 characters"),
    (change_form(new=PASSWORD), "different from your current password"),
])
def test_changing_your_password_needs_the_current_one_and_a_good_new_one(app, browser, officer,
                                                                         form, message):
    b = browser(officer)
    response = b.post("/account/password", data=form)
    assert response.status_code == 200
    assert "There is a problem" in html(response)
    assert message in html(response)
    assert b.get("/cases").status_code == 200
    assert signs_in(app, officer, PASSWORD)


def test_the_password_page_is_linked_in_the_header(browser, officer):
    page = html(browser(officer).get("/cases"))
    assert 'href="/account/password"' in page


def test_changing_your_password_ends_every_session_and_revokes_every_token(app, browser, officer,
                                                                           api):
    elsewhere = browser(officer)
    b = browser(officer)
    old_cookie = b.client.get_cookie("sara_session").value
    token_client = api(officer)
    assert token_client.get("/api/v1/cases").status_code == 200

    response = b.post("/account/password", data=change_form())
    assert sent_to_login(response)
    assert CHANGED in html(b.get("/login"))
    # This session, another browser's session and a replayed copy of the old cookie are all over.
    assert sent_to_login(b.get("/cases"))
    assert sent_to_login(elsewhere.get("/cases"))
    replay = app.test_client()
    replay.set_cookie("sara_session", old_cookie, domain="localhost")
    assert sent_to_login(replay.get("/cases"))
    assert token_client.get("/api/v1/cases").status_code == 401

    assert not signs_in(app, officer, PASSWORD)
    assert signs_in(app, officer, NEW_PASSWORD)
    db.session.expire_all()
    row = db.session.scalar(sa.select(AuditEvent).where(
        AuditEvent.user_id == officer.id, AuditEvent.summary.like("Changed their password%")))
    assert row is not None and row.action == "alteration"


def test_wrong_current_passwords_count_towards_the_throttle(app, officer):
    client = client_from(app, "192.0.2.40")
    assert login(client, officer).status_code == 302
    token = csrf_token(client, "/account/password")
    statuses = [client.post("/account/password", data={**change_form(current="wrong guess"),
                                                       "csrf_token": token}).status_code
                for _ in range(6)]
    assert statuses == [200] * 5 + [429]
    response = client.post("/account/password", data={**change_form(), "csrf_token": token})
    assert response.status_code == 429
    assert "too many failed" in html(response)


# --- reset links sent by an administrator ------------------------------------------------------

@pytest.fixture
def outbox(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_SERVER", None)
    monkeypatch.setitem(app.config, "MAIL_OUTBOX", str(tmp_path / "outbox"))
    return tmp_path / "outbox"


def sent_mail(outbox: Path) -> list[EmailMessage]:
    files = sorted(outbox.glob("*.eml"), key=lambda p: p.stat().st_mtime_ns) if outbox.exists() \
        else []
    return [email.message_from_bytes(p.read_bytes(), policy=email.policy.default) for p in files]


def reset_link(message: EmailMessage) -> str:
    body = message.get_content()
    match = re.search(r"(https?://[^\s/]+)(/password-reset/[A-Za-z0-9_-]+)", body)
    assert match, body
    return match.group(2)


@pytest.fixture
def admin(make_user):
    return make_user("admin", name="Ada Admin")


def send_reset(browser_or_admin, user):
    return browser_or_admin.post(f"/admin/users/{user.id}/password-reset")


def use_link(app, link: str, password: str = NEW_PASSWORD, again: str | None = None):
    visitor = app.test_client()
    visitor.get(link)
    token = csrf_token(visitor, "/login")
    return visitor, visitor.post("/password-reset", data={
        "new_password": password, "confirm_password": password if again is None else again,
        "csrf_token": token,
    })


def test_an_admin_sends_a_reset_link_that_works_once(app, browser, admin, officer, outbox, api):
    officer_browser = browser(officer)
    token_client = api(officer)
    as_admin = browser(admin)
    page = html(as_admin.get(f"/admin/users/{officer.id}"))
    assert f'action="/admin/users/{officer.id}/password-reset"' in page

    response = send_reset(as_admin, officer)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/admin/users/{officer.id}")
    assert f"A password reset link has been sent to {officer.email}" in html(
        as_admin.get(response.headers["Location"]))
    [message] = sent_mail(outbox)
    assert message["To"] == officer.email
    link = reset_link(message)
    assert link.startswith("/password-reset/")
    assert "60 minutes" in message.get_content()

    visitor = app.test_client()
    opened = visitor.get(link)
    # The token leaves the address bar (and the audit's request paths) at once.
    assert opened.status_code == 302 and opened.headers["Location"] == "/password-reset"
    form_page = visitor.get("/password-reset")
    assert form_page.status_code == 200 and "Choose a new password" in html(form_page)
    assert form_page.headers["Cache-Control"] == "no-store"

    _, mismatch = use_link(app, link, again="not the same passphrase")
    assert mismatch.status_code == 200 and "The new passwords do not match" in html(mismatch)
    late = app.test_client()  # opens the link too, but only submits once it has been used
    late_token = csrf_token(late, link)
    visitor, response = use_link(app, link)
    assert sent_to_login(response)
    assert CHANGED in html(visitor.get("/login"))

    assert sent_to_login(officer_browser.get("/cases"))
    assert token_client.get("/api/v1/cases").status_code == 401
    assert signs_in(app, officer, NEW_PASSWORD)
    assert not signs_in(app, officer, PASSWORD)

    again = app.test_client().get(link)
    assert again.status_code == 410
    assert "This password reset link has already been used" in html(again)
    reuse = late.post("/password-reset", data={
        "new_password": "yet another new passphrase",
        "confirm_password": "yet another new passphrase", "csrf_token": late_token})
    assert reuse.status_code == 410
    assert "This password reset link has already been used" in html(reuse)
    assert signs_in(app, officer, NEW_PASSWORD)

    db.session.expire_all()
    events = list(db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.record_ref == officer.email, AuditEvent.summary.like("%password reset%"))
        .order_by(AuditEvent.id)))
    assert [(e.user_id, e.action) for e in events] == [(admin.id, "alteration"),
                                                       (officer.id, "alteration")]
    assert "/password-reset/" not in str([e.details for e in events])


def test_a_reset_link_expires(app, browser, admin, officer, outbox, clock, monkeypatch):
    monkeypatch.setitem(app.config, "PASSWORD_RESET_MINUTES", 20)
    send_reset(browser(admin), officer)
    [message] = sent_mail(outbox)
    assert "within 20 minutes" in message.get_content()
    link = reset_link(message)
    visitor = app.test_client()
    token = csrf_token(visitor, link)  # opened in time...
    clock.shift(timedelta(minutes=21))  # ...but submitted too late
    response = visitor.post("/password-reset", data={
        "new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD, "csrf_token": token})
    assert response.status_code == 410
    assert "This password reset link has expired" in html(response)
    later = app.test_client().get(link)
    assert later.status_code == 410 and "has expired" in html(later)
    assert signs_in(app, officer, PASSWORD)


def test_a_newer_reset_link_replaces_the_earlier_one(app, browser, admin, officer, outbox):
    as_admin = browser(admin)
    send_reset(as_admin, officer)
    send_reset(as_admin, officer)
    first, second = (reset_link(m) for m in sent_mail(outbox))
    assert first != second
    response = app.test_client().get(first)
    assert response.status_code == 410
    assert "replaced by a newer one" in html(response)
    assert sent_to_login(use_link(app, second)[1])


def test_an_unknown_reset_link_says_so_without_a_hint_about_any_account(app, client):
    for path in ("/password-reset/not-a-real-token", "/password-reset/" + "x" * 300):
        response = client.get(path)
        assert response.status_code == 404
        assert "This password reset link is not valid" in html(response)
    response = client.get("/password-reset")
    assert response.status_code == 404
    assert "This password reset link is not valid" in html(response)
    token = csrf_token(client, "/login")
    response = client.post("/password-reset", data={
        "new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD, "csrf_token": token})
    assert response.status_code == 404


def test_only_an_admin_of_the_users_own_organisation_may_send_a_reset(browser, make_org, make_user,
                                                                      officer, outbox):
    council = make_org("Borough Council", kind="local_authority")
    council_admin = make_user("admin", org=council)
    assert send_reset(browser(council_admin), officer).status_code == 404
    assert browser(make_user("supervisor")).post(
        f"/admin/users/{officer.id}/password-reset").status_code == 403
    assert browser(council_admin).post("/admin/users/999999/password-reset").status_code == 404
    assert sent_mail(outbox) == []


def test_a_reset_link_clears_the_first_sign_in_change(app, browser, admin, make_user, outbox):
    user = make_user("officer")
    auth_service.set_password(user, INITIAL_PASSWORD)
    db.session.commit()
    assert user.must_change_password
    send_reset(browser(admin), user)
    use_link(app, reset_link(sent_mail(outbox)[0]))
    db.session.expire_all()
    assert db.session.get(User, user.id).must_change_password is False


# --- the first sign-in -------------------------------------------------------------------------

def test_a_user_an_admin_creates_must_change_the_initial_password_first(app, browser, admin,
                                                                        police):
    as_admin = browser(admin)
    response = as_admin.post("/admin/users/new", data={
        "name": "Nia New", "email": "nia.first@example.org", "organisation_id": police.id,
        "role": "officer", "password": INITIAL_PASSWORD})
    assert response.status_code == 302
    db.session.expire_all()
    user = db.session.scalar(sa.select(User).where(User.email == "nia.first@example.org"))
    assert user.must_change_password is True

    client = client_from(app, "192.0.2.60")
    assert login(client, user, INITIAL_PASSWORD).status_code == 302
    for path in ("/", "/cases", "/account/api-tokens", "/admin/users"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"] == "/account/password", path
    page = client.get("/account/password")
    assert page.status_code == 200
    assert "You must choose a new password before you can use SARA casebook" in html(page)
    assert client.get("/static/favicon.svg").status_code == 200

    _, token = tokens.create_token(user, "made from the command line")
    db.session.commit()
    refused = client.get("/api/v1/cases", headers={"Authorization": f"Bearer {token}"})
    assert refused.status_code == 403
    assert refused.mimetype == "application/problem+json"
    assert "password must be changed" in refused.get_json()["detail"]

    csrf = csrf_token(client, "/account/password")
    response = client.post("/account/password", data={
        **change_form(current=INITIAL_PASSWORD), "csrf_token": csrf})
    assert sent_to_login(response)
    assert login(client, user, NEW_PASSWORD).status_code == 302
    assert client.get("/cases").status_code == 200
    db.session.expire_all()
    assert db.session.get(User, user.id).must_change_password is False
    _, token = tokens.create_token(user, "a new one")
    db.session.commit()
    assert client.get("/api/v1/cases",
                      headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_a_user_who_must_change_their_password_can_still_sign_out(app, make_user):
    user = make_user("officer")
    auth_service.set_password(user, INITIAL_PASSWORD)
    db.session.commit()
    client = client_from(app, "192.0.2.61")
    login(client, user, INITIAL_PASSWORD)
    token = csrf_token(client, "/account/password")
    response = client.post("/logout", data={"csrf_token": token})
    assert sent_to_login(response)
    assert sent_to_login(client.get("/account/password"))


def test_users_from_the_command_line_and_the_service_default_keep_their_password(police):
    user = auth_service.create_user(email="cli.user@example.org", name="Cli User",
                                    organisation=police, role="officer", password=PASSWORD)
    assert user.must_change_password is False


# --- deactivation ------------------------------------------------------------------------------

def test_deactivation_revokes_tokens_and_reactivation_does_not_bring_them_back(browser, admin,
                                                                               officer, api):
    token_client = api(officer)
    assert token_client.get("/api/v1/cases").status_code == 200
    as_admin = browser(admin)
    assert as_admin.post(f"/admin/users/{officer.id}/deactivate").status_code == 302
    assert token_client.get("/api/v1/cases").status_code == 401
    assert as_admin.post(f"/admin/users/{officer.id}/reactivate").status_code == 302
    assert token_client.get("/api/v1/cases").status_code == 401
    db.session.expire_all()
    rows = list(db.session.scalars(sa.select(ApiToken).where(ApiToken.user_id == officer.id)))
    assert rows and all(row.revoked_dt is not None for row in rows)


def test_an_admin_setting_a_password_ends_sessions_revokes_tokens_and_asks_for_a_change(
        browser, officer, api):
    b = browser(officer)
    token_client = api(officer)
    auth_service.set_password(officer, INITIAL_PASSWORD)
    db.session.commit()
    assert sent_to_login(b.get("/cases"))
    assert token_client.get("/api/v1/cases").status_code == 401
    assert officer.must_change_password is True


# --- HTTPS, proxies --------------------------------------------------------------------------

@pytest.fixture
def make_app(app, database_url, monkeypatch):
    """Another app on the same test database, with other settings; the suite's app is restored
    as Celery's default afterwards."""
    made = []
    monkeypatch.setenv("SECRET_KEY", "x" * 40)

    def make(env: str = "test", **overrides):
        other = create_app({
            "SQLALCHEMY_DATABASE_URI": database_url, "SERVER_NAME": "localhost",
            "CELERY": app.config["CELERY"], "ARGON2_TIME_COST": 2, "ARGON2_MEMORY_COST": 19456,
            "ARGON2_PARALLELISM": 1, **overrides,
        }, env=env)
        made.append(other)
        return other

    yield make
    app.extensions["celery"].set_default()
    for other in made:
        with other.app_context():
            db.engine.dispose()


def test_strict_transport_security_is_sent_in_production_only(client, make_app):
    hsts = make_app("production").test_client().get("/login").headers
    assert hsts["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert "Strict-Transport-Security" not in make_app("development").test_client().get(
        "/login").headers
    assert "Strict-Transport-Security" not in client.get("/login").headers


def _failed_sign_in_address(app, officer, client) -> str:
    headers = {"X-Forwarded-For": "198.51.100.23"}
    token = csrf_token(client, "/login")
    client.post("/login", headers=headers,
                data={"email": officer.email, "password": "wrong", "csrf_token": token})
    db.session.expire_all()
    row = db.session.scalar(sa.select(AuditEvent).where(
        AuditEvent.action == "sign_in_failed", AuditEvent.record_ref == officer.email)
        .order_by(AuditEvent.id.desc()))
    return row.ip_address


def test_behind_a_trusted_proxy_the_audit_records_the_clients_address(app, make_app, officer):
    proxied = make_app(TRUSTED_PROXIES=1)
    assert _failed_sign_in_address(proxied, officer, proxied.test_client()) == "198.51.100.23"
    # Without the setting a client could forge the header: it is ignored.
    assert _failed_sign_in_address(app, officer, app.test_client()) == "127.0.0.1"


# --- private files -----------------------------------------------------------------------------

@pytest.fixture
def open_umask():
    """The most permissive umask, so only the code's own modes decide."""
    previous = os.umask(0)
    yield
    os.umask(previous)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_outbox_folder_and_mail_files_are_private(app, tmp_path, monkeypatch, open_umask):
    monkeypatch.setitem(app.config, "MAIL_SERVER", None)
    for outbox in (tmp_path / "new-outbox", tmp_path / "old-outbox"):
        if outbox.name == "old-outbox":
            outbox.mkdir(mode=0o755)
        monkeypatch.setitem(app.config, "MAIL_OUTBOX", str(outbox))
        message = EmailMessage()
        message["Subject"], message["To"] = "Test", "someone@example.org"
        message["Message-ID"] = make_msgid(idstring="permissions")
        message.set_content("Hello")
        notifications.deliver(message)
        [written] = outbox.glob("*.eml")
        assert mode(outbox) == 0o700, outbox.name
        assert mode(written) == 0o600, outbox.name


def test_uploaded_incident_files_and_their_folder_are_private(app, open_umask):
    folder = incident_service.uploads_dir()
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o755)  # as an older release left it
    header = ",".join(importer.FORMATS["cad"][0]) + "\n"
    relative = incident_service.store_upload(io.BytesIO(header.encode()), "calls.csv", "cad")
    stored = Path(app.instance_path) / relative
    try:
        assert mode(stored) == 0o600
        assert mode(folder) == 0o700
    finally:
        stored.unlink()

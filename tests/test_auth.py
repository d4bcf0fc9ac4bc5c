"""Signing in and out: hashing, throttling, real sign-out, cookie flags and session expiry."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from argon2 import extract_parameters

from config import ConfigError, build_config
from sara.auth.models import User, UserSession
from sara.core.types import utcnow
from sara.extensions import db
from tests.conftest import PASSWORD, csrf_token, login


def test_sign_in_shows_user_and_organisation_in_header(client, officer):
    response = login(client, officer, follow=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Olivia Officer" in html
    assert "Test Constabulary" in html
    assert "SARA casebook" in html


def test_email_is_case_insensitive(client, officer):
    response = login(client, officer.email.upper())
    assert response.status_code == 302


@pytest.mark.parametrize("email,password", [
    ("user-does-not-exist@example.org", PASSWORD),
    (None, "wrong password entirely"),
])
def test_wrong_credentials_are_refused_with_the_same_message(client, officer, email, password):
    response = login(client, email or officer.email, password)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "There is a problem" in html
    assert "Enter a correct email address and password" in html
    assert client.get("/cases").status_code == 302


def test_deactivated_user_cannot_sign_in(client, make_user):
    user = make_user("officer", enabled=False)
    response = login(client, user)
    assert "Enter a correct email address and password" in response.get_data(as_text=True)


def test_empty_form_shows_error_summary(client):
    token = csrf_token(client)
    response = client.post("/login", data={"email": "", "password": "", "csrf_token": token})
    html = response.get_data(as_text=True)
    assert "There is a problem" in html
    assert "Enter your email address" in html
    assert "Enter your password" in html


def test_sign_in_without_csrf_token_is_refused(client, officer):
    response = client.post("/login", data={"email": officer.email, "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/cases").status_code == 302


def test_next_parameter_only_redirects_within_the_site(client, officer):
    token = csrf_token(client)
    data = {"email": officer.email, "password": PASSWORD, "csrf_token": token}
    response = client.post("/login?next=https://evil.example.com/", data=data)
    assert response.headers["Location"] == "/"
    client.post("/logout", data={"csrf_token": csrf_token(client, "/cases")})
    token = csrf_token(client)
    data["csrf_token"] = token
    response = client.post("/login?next=/cases/mine", data=data)
    assert response.headers["Location"] == "/cases/mine"


# --- hashing -----------------------------------------------------------------------------------

def test_passwords_are_hashed_with_argon2id_at_or_above_asvs(app, make_user):
    from sara.auth.passwords import hash_password

    stored = hash_password("a long enough passphrase")
    params = extract_parameters(stored)
    assert stored.startswith("$argon2id$")
    assert params.time_cost >= 2 and params.memory_cost >= 19 * 1024


def test_production_defaults_are_stronger_than_asvs(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    config = build_config("production")
    assert config["ARGON2_TIME_COST"] >= 2 and config["ARGON2_MEMORY_COST"] >= 19456


def test_weak_argon2_parameters_are_refused(monkeypatch):
    monkeypatch.setenv("ARGON2_MEMORY_COST", "1024")
    with pytest.raises(ConfigError):
        build_config("test")


def test_password_is_rehashed_on_sign_in_when_parameters_change(app, client, officer):
    before = officer.password_hash
    assert extract_parameters(before).time_cost == 2
    app.config["ARGON2_TIME_COST"] = 3
    try:
        assert login(client, officer).status_code == 302
    finally:
        app.config["ARGON2_TIME_COST"] = 2
    db.session.expire_all()
    after = db.session.get(User, officer.id).password_hash
    assert after != before
    assert extract_parameters(after).time_cost == 3


# --- throttle ----------------------------------------------------------------------------------

def test_five_failed_sign_ins_from_one_address_lock_the_account_there_for_a_minute(
        client, app, officer, make_user):
    """Per account from one address: see tests/test_passwords.py for the per-address limit and
    for a stranger elsewhere, who cannot lock the officer out."""
    other = make_user("officer")
    for _ in range(5):
        assert login(client, officer, "wrong").status_code == 200
    # The sixth attempt is refused even with the right password, and says why.
    response = login(client, officer, PASSWORD)
    html = response.get_data(as_text=True)
    assert response.status_code == 429
    assert "too many failed sign-in attempts for this account" in html
    assert "Wait one minute" in html
    assert response.headers["Retry-After"].isdigit() and int(response.headers["Retry-After"]) <= 60
    assert client.get("/cases").status_code == 302
    # Another account is not affected.
    assert login(app.test_client(), other).status_code == 302


def test_successful_sign_ins_do_not_count_towards_the_throttle(app, officer):
    for _ in range(7):
        client = app.test_client()
        assert login(client, officer).status_code == 302


# --- sign-out and sessions ---------------------------------------------------------------------

def _session_cookie(client) -> str:
    cookie = client.get_cookie("sara_session")
    assert cookie is not None
    return cookie.value


def test_signing_out_ends_the_session_even_if_the_cookie_is_replayed(app, client, officer):
    login(client, officer)
    stolen = _session_cookie(client)
    assert client.get("/cases").status_code == 200
    response = client.post("/logout", data={"csrf_token": csrf_token(client, "/cases")})
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]

    replay = app.test_client()
    replay.set_cookie("sara_session", stolen, domain="localhost")
    response = replay.get("/cases")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_logout_needs_post_with_csrf(client, officer):
    login(client, officer)
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400
    assert client.get("/cases").status_code == 200


def test_session_cookie_flags(client, officer):
    response = login(client, officer)
    header = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("sara_session="))
    assert "HttpOnly" in header
    assert "SameSite=Lax" in header


def test_production_cookie_is_secure_and_needs_a_secret_key(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigError):
        build_config("production")
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    config = build_config("production")
    assert config["SESSION_COOKIE_SECURE"] is True
    assert config["SESSION_COOKIE_HTTPONLY"] is True
    assert config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert config["PERMANENT_SESSION_LIFETIME"] == timedelta(minutes=30)


def _age_session(user, **changes):
    db.session.execute(sa.update(UserSession).where(UserSession.user_id == user.id).values(**changes))
    db.session.commit()


def test_idle_session_expires_after_30_minutes(client, officer):
    login(client, officer)
    _age_session(officer, last_seen_dt=utcnow() - timedelta(minutes=29))
    assert client.get("/cases").status_code == 200
    _age_session(officer, last_seen_dt=utcnow() - timedelta(minutes=31))
    response = client.get("/cases")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_every_session_expires_after_12_hours_even_when_active(client, officer):
    login(client, officer)
    _age_session(officer, created_dt=utcnow() - timedelta(hours=12, minutes=1))
    response = client.get("/cases")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_deactivating_a_user_ends_their_session_at_once(client, officer):
    login(client, officer)
    assert client.get("/cases").status_code == 200
    officer.is_enabled = False
    db.session.commit()
    assert client.get("/cases").status_code == 302


# --- where each role lands ---------------------------------------------------------------------

@pytest.mark.parametrize(("role", "home"), [
    ("call_handler", "/lookup"),
    ("officer", "/cases/mine"),
    ("supervisor", "/queue"),
    ("admin", "/admin/users"),
])
def test_each_role_lands_on_its_home_after_sign_in_and_from_the_service_name(
        client, make_user, role, home):
    """A call handler's home is the caller lookup, not the case list's thirteen filters."""
    user = make_user(role)
    signed_in = login(client, user, follow=True)
    assert signed_in.request.path == home
    page = signed_in.get_data(as_text=True)
    service_link = re.search(r'<a href="([^"]+)" class="govuk-[a-z-]*header__homepage-link"', page)
    assert service_link, "the header links the service name"
    assert client.get(service_link.group(1), follow_redirects=True).request.path == home

"""Deny by default, error pages, health check and security headers."""

from __future__ import annotations

import re

import psycopg
import pytest
import sqlalchemy as sa
from werkzeug.exceptions import ServiceUnavailable
from werkzeug.routing import IntegerConverter

from sara import PUBLIC_ENDPOINTS
from sara.cases.models import CaseEvent
from sara.core import unit_of_work
from sara.extensions import db


def _example_url(app, rule) -> str:
    values = {}
    for name, converter in rule._converters.items():
        kind = type(converter).__name__
        if isinstance(converter, IntegerConverter):
            values[name] = 1
        elif kind == "PathConverter":
            values[name] = "app.css"
        elif kind == "AnyConverter":
            values[name] = sorted(converter.items)[0]
        else:
            values[name] = "PS-2026-00001"
    with app.test_request_context():
        from flask import url_for

        return url_for(rule.endpoint, **values)


def _private_rules(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC_ENDPOINTS or rule.rule.startswith("/api/"):
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


def test_every_private_route_sends_anonymous_users_to_sign_in(app):
    """The list comes from the URL map, so a new route is covered without editing this test."""
    client = app.test_client()
    checked = 0
    for rule, method in _private_rules(app):
        url = _example_url(app, rule)
        response = client.open(url, method=method)
        assert response.status_code == 302, f"{method} {rule.rule} answered {response.status_code}"
        assert response.headers["Location"].startswith("/login"), f"{method} {rule.rule}"
        checked += 1
    assert checked >= 15


#: API endpoints that need no token: the description of the API, which holds no data.
PUBLIC_API_ENDPOINTS = frozenset({"api.openapi_json"})


def test_every_api_route_refuses_anonymous_callers_with_problem_json(app):
    client = app.test_client()
    checked = 0
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/") or rule.endpoint in PUBLIC_API_ENDPOINTS:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(_example_url(app, rule), method=method)
            assert response.status_code == 401, f"{method} {rule.rule}"
            assert response.mimetype == "application/problem+json"
            checked += 1
    assert checked >= 1


def test_only_the_openapi_document_is_public_in_the_api(app, client):
    public = {
        rule.endpoint for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/")
        for method in rule.methods - {"HEAD", "OPTIONS"}
        if client.open(_example_url(app, rule), method=method).status_code != 401
    }
    assert public == PUBLIC_API_ENDPOINTS
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.get_json()["openapi"] == "3.1.0"


def test_unknown_urls_also_send_anonymous_users_to_sign_in(client):
    response = client.get("/no-such-page")
    assert response.status_code == 302


def test_public_endpoints_are_only_the_allowlist(app, client):
    assert {"auth.login", "static", "core.healthz", "auth.password_reset_link",
            "auth.password_reset"} == PUBLIC_ENDPOINTS
    assert client.get("/login").status_code == 200
    assert client.get("/healthz").status_code == 200
    assert client.get("/static/favicon.svg").status_code == 200


def test_healthz_reports_database_and_broker(client):
    response = client.get("/healthz")
    body = response.get_json()
    assert response.status_code == 200
    assert body["status"] == "ok"
    assert body["database"] == "ok"
    assert body["broker"] in {"ok", "unavailable"}


def test_healthz_reports_broker_unavailable(app, client):
    original = app.extensions["celery"].conf.broker_url
    app.extensions["celery"].conf.broker_url = "redis://127.0.0.1:1/0"
    try:
        body = client.get("/healthz").get_json()
    finally:
        app.extensions["celery"].conf.broker_url = original
    assert body["broker"] == "unavailable"
    assert body["database"] == "ok"


def test_not_found_page_is_govuk_styled(browser, officer):
    response = browser(officer).get("/no-such-page")
    html = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "Page not found" in html
    assert "govuk-heading-l" in html


@pytest.mark.parametrize("exception,status,text", [
    (RuntimeError("boom: secret internals"), 500, "Sorry, there is a problem with the service"),
    (ServiceUnavailable(), 503, "Sorry, the service is unavailable"),
])
def test_server_errors_show_a_page_without_traceback(app, browser, officer, monkeypatch, exception, status, text):
    signed_in = browser(officer)

    def broken(**kwargs):
        raise exception

    monkeypatch.setitem(app.view_functions, "cases.case_list", broken)
    response = signed_in.get("/cases")
    html = response.get_data(as_text=True)
    assert response.status_code == status
    assert text in html
    assert "Traceback" not in html and "secret internals" not in html


def test_forbidden_page(browser, make_user, make_case):
    case = make_case()
    handler = make_user("call_handler")
    response = browser(handler).get(f"/cases/{case.reference}/edit")
    assert response.status_code == 403
    assert "You cannot do that" in response.get_data(as_text=True)


def test_security_headers(client):
    response = client.get("/login")
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_inline_script_carries_the_csp_nonce(client):
    response = client.get("/login")
    nonce = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"]).group(1)
    assert f'nonce="{nonce}"' in response.get_data(as_text=True)


def test_no_gov_uk_crown_or_transport_font(client):
    html = client.get("/login").get_data(as_text=True)
    assert "govuk-header__logotype" not in html
    assert "govuk-footer__crown" not in html and "Crown copyright" not in html
    assert "govuk-logo" not in html
    assert "GDS Transport" not in html


@pytest.mark.parametrize("path", ["/cases/PS-2026%0000001", "/cases/PS-2026%0000001/timeline",
                                  "/cases/" + "X" * 300, "/people/PN-0%0001"])
def test_hostile_references_answer_404_not_500(browser, officer, path):
    response = browser(officer).get(path)
    assert response.status_code == 404


def test_a_database_gone_at_the_commit_shows_the_503_page_and_keeps_nothing(
        app, browser, officer, make_case, monkeypatch):
    """The request's one commit runs after the view (sara.core.unit_of_work.end_request): a
    database that goes away just then is the 503 page, as it is during the view, not a 500."""
    case = make_case(owner=officer)
    signed_in = browser(officer)
    gone = sa.exc.OperationalError("COMMIT", {}, psycopg.OperationalError(
        "consuming input failed: server closed the connection unexpectedly"))

    def commit():
        raise gone

    monkeypatch.setattr(unit_of_work, "commit", commit)
    response = signed_in.post(f"/cases/{case.reference}/notes", data={"text": "Lost note"})
    assert response.status_code == 503
    assert "Sorry, the service is unavailable" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CaseEvent).where(
        CaseEvent.summary == "Lost note")) == 0

"""Nothing answers 500 (issue 11, item 7): hostile path values, oversized ids, NUL, CR/LF,
deeply nested JSON, as every role, on every route of app.url_map."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sara.api import tokens
from sara.extensions import db
from sara.partners import service as sharing
from sara.people import service as people_service

ROLES = ("officer", "supervisor", "call_handler", "admin", "system_admin", "partner")
#: Values no route should choke on.
HOSTILE = ["99999999999", "9" * 30, "-1", "0", "\x00", "PS-2026-00001\x00", "a\r\nSet-Cookie: x=1",
           "x" * 10_000, "..", "%", "🙂", " ", "PS-2026-00001", "PN-000001", "1"]
#: The grid's share of them (the Hypothesis test draws from all of these and more), and the roles
#: it runs as: one of the force, one partner, and the system administrator who reaches most.
GRID_VALUES = ["99999999999", "9" * 30, "\x00", "PS-2026-00001\x00", "a\r\nb", "x" * 10_000]
GRID_ROLES = ("officer", "partner", "system_admin")
_ARG = re.compile(r"<(?:[a-z_]+(?:\([^)]*\))?:)?([a-z_]+)>")
#: Routes whose POST would end the test's own sessions.
SKIP_POST = {"auth.logout"}


@pytest.fixture
def signed_in(app, police, make_org, make_user, make_case, browser):
    council = make_org("District Council", kind="local_authority")
    users = {role: make_user("partner" if role == "partner" else
                             ("admin" if role == "system_admin" else role),
                             org=council if role == "partner" else None)
             for role in ROLES}
    users["system_admin"].is_system_admin = True
    case = make_case(owner=users["officer"])
    sharing.share_with_organisation(case, users["officer"], council, "contribute")
    people_service.add_person_to_case(case, users["officer"], {"name": "Ann Smith"}, "victim", [])
    db.session.commit()
    clients = {role: browser(user) for role, user in users.items()}
    api_tokens = {role: tokens.create_token(user, "walk")[1] for role, user in users.items()}
    db.session.commit()
    return clients, api_tokens, case


def _path(rule, value: str) -> str:
    return _ARG.sub(lambda _m: quote(value, safe=""), rule.rule)


def _send(app, clients, api_tokens, role, rule, method, value):
    path = _path(rule, value)
    if path.startswith("/api/"):
        client = app.test_client()
        headers = {"Authorization": f"Bearer {api_tokens[role]}"}
        if method in ("POST", "PATCH"):
            return client.open(path, method=method, headers={**headers, "If-Match": "*"},
                               json={"title": value, "incidents": [value]})
        return client.open(path, method=method, headers=headers)
    signed_in = clients[role]
    if method == "GET":
        return signed_in.get(path)
    return signed_in.post(path, data={"text": value, "version": value, "incident": value})


def _rules(app):
    return sorted(((rule, method) for rule in app.url_map.iter_rules()
                   if rule.endpoint != "static"
                   for method in sorted(rule.methods - {"HEAD", "OPTIONS"})
                   if not (method == "POST" and rule.endpoint in SKIP_POST)),
                  key=lambda pair: (pair[0].rule, pair[1]))


def test_every_route_with_every_hostile_value_as_every_role(app, signed_in):
    """The grid, deterministically: every route × method × three roles × hostile values."""
    clients, api_tokens, _case = signed_in
    failures = []
    for rule, method in _rules(app):
        values = GRID_VALUES if rule.arguments else [""]
        for role in GRID_ROLES:
            for value in values:
                status = _send(app, clients, api_tokens, role, rule, method, value).status_code
                if status >= 500:
                    failures.append(f"{role:>12} {method:5} {rule.rule} {value[:30]!r}: {status}")
    assert not failures, "\n".join(failures[:40])


@settings(max_examples=150, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_no_path_value_hypothesis_finds_answers_5xx(app, signed_in, data):
    clients, api_tokens, _case = signed_in
    rule, method = data.draw(st.sampled_from(_rules(app)))
    role = data.draw(st.sampled_from(ROLES))
    value = data.draw(st.one_of(
        st.integers(min_value=-(2**80), max_value=2**80).map(str),
        st.text(min_size=0, max_size=300),
        st.text(alphabet=st.characters(max_codepoint=0x1f), max_size=10),
        st.sampled_from(HOSTILE)))
    if rule.arguments and not value:
        value = "x"
    response = _send(app, clients, api_tokens, role, rule, method, value)
    assert response.status_code < 500, (role, method, rule.rule, value)


@pytest.mark.parametrize("path", [
    "/audit/users/99999999999", "/audit/users/99999999999.csv", "/admin/users/99999999999",
    "/admin/organisations/99999999999", "/library/%00", "/incidents/99999999999999999999999",
    "/api/v1/incidents/99999999999999999999999", "/api/v1/flags/99999999999",
])
def test_the_reported_paths_are_404(app, signed_in, path):
    clients, api_tokens, _case = signed_in
    client = clients["system_admin"]
    if path.startswith("/api/"):
        response = app.test_client().get(
            path, headers={"Authorization": f"Bearer {api_tokens['officer']}"})
    else:
        response = client.get(path)
    assert response.status_code == 404


def test_oversized_ids_in_a_cases_forms_are_404(app, signed_in):
    clients, _tokens, case = signed_in
    owner = clients["officer"]
    for path in (f"/cases/{case.reference}/sharing/99999999999/withdraw",
                 f"/cases/{case.reference}/people/99999999999/remove",
                 f"/cases/{case.reference}/objectives/99999999999/remove"):
        assert owner.post(path).status_code == 404, path


@pytest.mark.parametrize("depth", [50, 5_000, 100_000])
def test_deeply_nested_json_is_a_400_problem(app, signed_in, depth):
    _clients, api_tokens, case = signed_in
    body = "[" * depth + "]" * depth
    nested = '{"title": ' + body + "}"
    headers = {"Authorization": f"Bearer {api_tokens['officer']}", "If-Match": "*",
               "Content-Type": "application/json"}
    for method, path in (("PATCH", f"/api/v1/cases/{case.reference}"),
                         ("POST", "/api/v1/incidents")):
        response = app.test_client().open(path, method=method, headers=headers, data=nested)
        assert response.status_code == 400, (path, response.status_code)
        assert response.content_type == "application/problem+json"
        assert "nested too deeply" in response.get_json()["detail"]


@pytest.mark.parametrize("next_url", ["/cases\r\nSet-Cookie: evil=1", "/cases%0d%0a",
                                      "/\\evil.example", "/cases\x00", "//evil.example"])
def test_a_hostile_next_after_sign_in_goes_home_with_the_cookie(app, make_user, next_url):
    from tests.conftest import PASSWORD, csrf_token

    user = make_user("officer")
    db.session.commit()
    client = app.test_client()
    token = csrf_token(client, "/login")
    response = client.post("/login", query_string={"next": next_url},
                           data={"email": user.email, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302
    location = response.headers["Location"]
    assert "\r" not in location and "\n" not in location and "evil" not in location
    assert "sara_session=" in response.headers.get("Set-Cookie", "")
    assert client.get("/cases").status_code == 200

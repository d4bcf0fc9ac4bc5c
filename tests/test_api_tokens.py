"""The API token settings page: a user lists, creates (shown once) and revokes their own tokens;
a created token works on the API until it is revoked or expires; nobody touches another's token;
every change is audited; and the CLI makes tokens with a name and a lifetime."""

from __future__ import annotations

import html as html_lib
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from sara.api.models import ApiToken
from sara.audit.models import AuditEvent
from sara.core.types import utcnow
from sara.extensions import db
from sara.people import matching
from sara.people.models import Person

TOKEN = re.compile(r"sara_[A-Za-z0-9_-]{40,}")
PAGE = "/account/api-tokens"


@pytest.fixture
def handler(make_user, police):
    person = Person(reference="PN-T00001", organisation_id=police.id, name="Margaret Oakley",
                    phone="07700 900111")
    matching.fill_keys(person)
    db.session.add(person)
    user = make_user("call_handler", name="Carla Handler")
    db.session.commit()
    return user


def _create(signed_in, name="CAD integration", days="90", **kwargs):
    return signed_in.post(PAGE, data={"name": name, "days": days}, **kwargs)


def _token_in(response) -> str:
    found = TOKEN.findall(html_lib.unescape(response.get_data(as_text=True)))
    assert found, "the new token is not on the page"
    return found[0]


def _lookup(client, token: str):
    return client.get("/api/v1/lookup?name=margaret",
                      headers={"Authorization": f"Bearer {token}"})


def _rows(user) -> list[ApiToken]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(ApiToken).where(ApiToken.user_id == user.id)))


def test_a_created_token_is_shown_once_and_works_on_the_api(browser, handler, client):
    b = browser(handler)
    response = _create(b, name="CAD integration", days="30")
    assert response.status_code == 200  # shown in this response, not after a redirect
    assert response.headers["Cache-Control"] == "no-store"
    token = _token_in(response)
    html = response.get_data(as_text=True)
    assert 'data-testid="new-token"' in html and "shown only this once" in html
    assert "curl" in html and f"Authorization: Bearer {token}" in html_lib.unescape(html)
    # It works at once, as the user who made it.
    answer = _lookup(client, token)
    assert answer.status_code == 200 and answer.get_json()["count"] == 1
    # Stored hashed, with the name, a prefix and the lifetime chosen.
    [row] = _rows(handler)
    assert row.name == "CAD integration" and token.startswith(row.prefix)
    assert row.token_hash != token and token not in row.token_hash
    assert timedelta(days=29, hours=23) < row.expires_dt - row.created_dt <= timedelta(days=30)
    # Never again: not on the page, not in the session cookie, not in a redirect.
    again = b.get(PAGE)
    page = again.get_data(as_text=True)
    assert token not in page and row.prefix in page and "CAD integration" in page
    assert "Last used" in page
    for cookie in b.client._cookies.values():
        assert token not in cookie.value
    assert "Location" not in response.headers


def test_the_list_shows_name_prefix_dates_and_status(browser, handler):
    b = browser(handler)
    _create(b, name="Live one")
    _create(b, name="To revoke")
    _create(b, name="Expired one", days="7")
    rows = {row.name: row for row in _rows(handler)}
    rows["Expired one"].expires_dt = utcnow() - timedelta(seconds=1)
    db.session.commit()
    b.post(f"{PAGE}/{rows['To revoke'].id}/revoke")
    html = b.get(PAGE).get_data(as_text=True)
    table = html.split('data-testid="tokens"', 1)[1]
    by_name = {}
    for chunk in table.split('data-testid="token-row"')[1:]:
        name = re.search(r'<td class="govuk-table__cell">([^<]+)</td>', chunk).group(1)
        by_name[name] = chunk.split("</tr>", 1)[0]
    assert "Active" in by_name["Live one"] and "Revoke" in by_name["Live one"]
    assert "Revoked" in by_name["To revoke"] and "<button" not in by_name["To revoke"]
    assert "Expired" in by_name["Expired one"] and "<button" not in by_name["Expired one"]
    assert "Never" in by_name["Live one"]
    assert not TOKEN.search(html)


def test_a_revoked_token_stops_working(browser, handler, client):
    b = browser(handler)
    token = _token_in(_create(b))
    assert _lookup(client, token).status_code == 200
    [row] = _rows(handler)
    response = b.post(f"{PAGE}/{row.id}/revoke")
    assert response.status_code == 302 and response.headers["Location"].endswith(PAGE)
    assert "revoked" in b.get(PAGE).get_data(as_text=True)
    answer = _lookup(client, token)
    assert answer.status_code == 401
    assert answer.mimetype == "application/problem+json"


def test_an_expired_token_stops_working(browser, handler, client):
    b = browser(handler)
    token = _token_in(_create(b, days="7"))
    assert _lookup(client, token).status_code == 200
    [row] = _rows(handler)
    row.expires_dt = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert _lookup(client, token).status_code == 401


def test_nobody_can_revoke_someone_elses_token(browser, handler, make_user, client):
    token = _token_in(_create(browser(handler)))
    [row] = _rows(handler)
    for intruder in (make_user("officer"), make_user("supervisor"), make_user("admin")):
        db.session.commit()
        assert browser(intruder).post(f"{PAGE}/{row.id}/revoke").status_code == 404
        assert token not in browser(intruder).get(PAGE).get_data(as_text=True)
        assert "CAD integration" not in browser(intruder).get(PAGE).get_data(as_text=True)
    assert _rows(handler)[0].revoked_dt is None
    assert _lookup(client, token).status_code == 200
    assert browser(handler).post(f"{PAGE}/999999/revoke").status_code == 404


def test_creating_and_revoking_need_the_csrf_token(browser, handler, client):
    b = browser(handler)
    response = _create(b, csrf=False)
    assert response.status_code == 400
    assert not TOKEN.search(response.get_data(as_text=True))
    assert _rows(handler) == []
    token = _token_in(_create(b))
    [row] = _rows(handler)
    assert b.post(f"{PAGE}/{row.id}/revoke", csrf=False).status_code == 400
    assert _rows(handler)[0].revoked_dt is None
    assert _lookup(client, token).status_code == 200


@pytest.mark.parametrize("data,message", [
    ({"name": "", "days": "90"}, "Enter a name for the token"),
    ({"name": "x" * 101, "days": "90"}, "Name must be 100 characters or fewer"),
    ({"name": "Bad\x01name", "days": "90"}, "contains characters that are not allowed"),
    ({"name": "Forever", "days": "100000"}, "Choose how long the token lasts from the list"),
    ({"name": "Odd", "days": "abc"}, "Choose how long the token lasts from the list"),
    ({"name": "Nul\x00", "days": "90"}, "Name contains characters that are not allowed"),
])
def test_bad_input_is_explained_and_creates_nothing(browser, handler, data, message):
    response = browser(handler).post(PAGE, data=data)
    assert response.status_code == 200
    html = html_lib.unescape(response.get_data(as_text=True))
    assert "There is a problem" in html and message in html
    assert not TOKEN.search(html)
    assert _rows(handler) == []


def test_the_form_offers_set_lifetimes_defaulting_to_90_days(browser, handler):
    html = browser(handler).get(PAGE).get_data(as_text=True)
    options = re.findall(r'<option value="(\d+)"( selected)?', html)
    assert [value for value, _ in options] == ["7", "30", "90", "180", "366"]
    assert [value for value, selected in options if selected] == ["90"]


def test_creating_and_revoking_are_audited(browser, handler):
    b = browser(handler)
    _create(b, name="Audited")
    [row] = _rows(handler)
    b.post(f"{PAGE}/{row.id}/revoke")
    b.post(f"{PAGE}/{row.id}/revoke")  # revoking twice changes nothing and is not logged twice
    events = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.user_id == handler.id, AuditEvent.record_type == "user",
        AuditEvent.action == "alteration").order_by(AuditEvent.id)).all()
    assert [e.summary.split(" the API token")[0] for e in events] == ["Created", "Revoked"]
    assert all(row.prefix in e.summary and e.record_ref == handler.email for e in events)
    assert events[0].details["token_id"] == row.id


@pytest.mark.parametrize("role", ["officer", "supervisor", "partner", "call_handler", "admin"])
def test_every_signed_in_user_has_the_page_and_the_header_link(browser, make_user, make_org,
                                                              role):
    org = make_org("Council", kind="local_authority") if role == "partner" else None
    user = make_user(role, org=org)
    db.session.commit()
    b = browser(user)
    home = b.get("/", follow_redirects=True).get_data(as_text=True)
    assert f'href="{PAGE}">API tokens</a>' in home
    assert b.get(PAGE).status_code == 200
    assert _token_in(_create(b, name=f"{role} token"))


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get(PAGE)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_token_of_a_user_who_is_then_disabled_stops_working(browser, handler, client):
    token = _token_in(_create(browser(handler)))
    handler.is_enabled = False
    db.session.commit()
    assert _lookup(client, token).status_code == 401


def test_the_cli_creates_a_token_with_a_name_and_a_lifetime(app, handler, client):
    result = app.test_cli_runner().invoke(
        args=["sara", "create-token", handler.email, "--name", "From the CLI", "--days", "7"])
    assert result.exit_code == 0, result.output
    token = TOKEN.search(result.output).group(0)
    [row] = _rows(handler)
    assert row.name == "From the CLI"
    assert timedelta(days=6, hours=23) < row.expires_dt - row.created_dt <= timedelta(days=7)
    assert _lookup(client, token).status_code == 200
    bad = app.test_cli_runner().invoke(
        args=["sara", "create-token", handler.email, "--days", "400"])
    assert bad.exit_code != 0

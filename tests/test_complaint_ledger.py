"""Issue 15, part 1: every incident says when it was reported and to which body, from the form,
a CAD file and the API, and whether it was reported within one month of the behaviour (the ASB
case review counts only those)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from sara.extensions import db
from sara.flags.rules import late_reason, reported_in_time
from sara.incidents import importer
from sara.incidents.models import Incident
from tests.test_incident_keys import CAD, CAD_ROWS, _file
from tests.test_incidents import _form

LONDON_MIDNIGHT = datetime(2026, 1, 31, 0, 30, tzinfo=UTC)


@pytest.mark.parametrize(("occurred", "reported", "in_time"), [
    # One calendar month, in UK time: 14 January to 14 February ...
    (datetime(2026, 1, 14, 21, 0, tzinfo=UTC), datetime(2026, 2, 14, 21, 0, tzinfo=UTC), True),
    (datetime(2026, 1, 14, 21, 0, tzinfo=UTC), datetime(2026, 2, 14, 21, 1, tzinfo=UTC), False),
    # ... 31 January to 28 February (no 31st), never into March
    (datetime(2026, 1, 31, 12, 0, tzinfo=UTC), datetime(2026, 2, 28, 12, 0, tzinfo=UTC), True),
    (datetime(2026, 1, 31, 12, 0, tzinfo=UTC), datetime(2026, 3, 1, 9, 0, tzinfo=UTC), False),
    # Across the clocks going forward: 20:00 GMT on 15 March to 20:00 BST on 15 April
    (datetime(2026, 3, 15, 20, 0, tzinfo=UTC), datetime(2026, 4, 15, 19, 0, tzinfo=UTC), True),
    (datetime(2026, 3, 15, 20, 0, tzinfo=UTC), datetime(2026, 4, 15, 19, 30, tzinfo=UTC), False),
])
def test_the_one_month_rule_is_a_calendar_month_in_uk_time(occurred, reported, in_time):
    assert reported_in_time(occurred, reported) is in_time


def test_the_reason_a_complaint_does_not_count_is_in_days():
    assert late_reason(datetime(2026, 1, 1, 22, 0, tzinfo=UTC),
                       datetime(2026, 2, 17, 9, 0, tzinfo=UTC)) == \
        "reported 47 days after the behaviour"


def _only_incident() -> Incident:
    return db.session.scalar(sa.select(Incident))


def test_the_form_records_when_and_to_whom_it_was_reported(browser, officer, make_org):
    council = make_org("City of Lincoln Council", kind="local_authority")
    db.session.commit()
    signed_in = browser(officer)
    page = signed_in.get("/incidents/new").get_data(as_text=True)
    assert "City of Lincoln Council" in page and "Date it was reported (optional)" in page
    response = signed_in.post("/incidents/new", data=_form(
        reported_date=["2", "5", "2026"], reported_time="09:15", reported_to=str(council.id)))
    assert response.status_code == 302, response.get_data(as_text=True)
    incident = _only_incident()
    # 09:15 on 2 May in London (BST) is 08:15 UTC; 14 March to 2 May is more than a month.
    assert incident.reported_dt == datetime(2026, 5, 2, 8, 15, tzinfo=UTC)
    assert incident.reported_to_id == council.id and incident.is_reported_in_time is False
    page = signed_in.get(f"/incidents/{incident.id}").get_data(as_text=True)
    assert "to City of Lincoln Council" in page
    assert "Reported 49 days after the behaviour" in page


def test_without_a_reported_date_it_was_reported_when_it_happened_to_the_force(browser,
                                                                                officer):
    assert browser(officer).post("/incidents/new", data=_form()).status_code == 302
    incident = _only_incident()
    assert incident.reported_dt == incident.occurred_dt
    assert incident.reported_to_id == officer.organisation_id and incident.is_reported_in_time


@pytest.mark.parametrize(("fields", "message"), [
    ({"reported_date": ["13", "3", "2026"]},
     "When it was reported must be the same as or after when it happened"),
    ({"reported_date": ["", "", ""], "reported_time": "10:00"},
     "Enter the date it was reported, or leave the time empty"),
    ({"reported_date": ["14", "3", "2026"], "reported_time": "25:00"},
     "Enter a real time, like 09:15"),
    ({"reported_to": "999999"}, "Choose the organisation it was reported to"),
    ({"reported_to": "99999999999999999999"}, "Choose the organisation it was reported to"),
    ({"reported_to": "council"}, "Choose the organisation it was reported to"),
])
def test_a_wrong_reported_date_or_body_is_a_form_error_and_records_nothing(browser, officer,
                                                                          fields, message):
    response = browser(officer).post("/incidents/new", data=_form(**fields))
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert _only_incident() is None


def test_a_cad_file_may_say_when_and_to_whom_each_was_reported(tmp_path, police, make_org):
    make_org("Acis Housing", kind="housing")
    header = CAD + ",reported_at,reported_to"
    rows = [CAD_ROWS[0] + ",2026-03-20 10:00,acis housing", CAD_ROWS[1] + ",,"]
    importer.import_file(_file(tmp_path, "cad.csv", header, rows), "cad", police.id)
    first, second = db.session.scalars(sa.select(Incident).order_by(Incident.source_key))
    assert first.reported_to.name == "Acis Housing" and first.is_reported_in_time
    assert first.reported_dt == datetime(2026, 3, 20, 10, 0, tzinfo=UTC)
    assert second.reported_dt == second.occurred_dt and second.reported_to_id == police.id


@pytest.mark.parametrize(("extra", "column", "reason"), [
    (",2026-02-01 10:00,", "reported_at", "is before the incident happened"),
    (",not a date,", "reported_at", "is not a date and time"),
    (",,Nobody Council", "reported_to", "is not the name of an organisation in SARA"),
])
def test_a_bad_reported_column_refuses_the_file_with_its_line(tmp_path, police, extra, column,
                                                              reason):
    header = CAD + ",reported_at,reported_to"
    path = _file(tmp_path, "cad.csv", header, [CAD_ROWS[0] + extra])
    with pytest.raises(importer.ImportRefused) as refused:
        importer.import_file(path, "cad", police.id)
    [error] = refused.value.result.errors
    assert (error.line, error.column) == (2, column) and reason in error.reason
    assert _only_incident() is None


def test_the_api_takes_and_gives_when_and_to_whom_it_was_reported(api, officer, make_org):
    make_org("City of Lincoln Council", kind="local_authority")
    client = api(officer)
    body = {"category": "Rowdy behaviour", "is_asb": True, "location": "Ermine parade",
            "occurred_at": "2026-03-01T21:30:00Z", "reported_at": "2026-04-10T09:00:00Z",
            "reported_to": "City of Lincoln Council"}
    answer = client("POST", "/api/v1/incidents", json=body)
    assert answer.status_code == 201, answer.get_json()
    made = answer.get_json()
    assert made["reported_at"].startswith("2026-04-10T09:00:00")
    assert (made["reported_to"], made["reported_in_time"]) == ("City of Lincoln Council", False)
    refused = client("POST", "/api/v1/incidents",
                     json={**body, "reported_at": "2026-02-01T09:00:00Z"})
    assert refused.status_code == 422
    assert "reported_at" in str(refused.get_json())
    unknown = client("POST", "/api/v1/incidents", json={**body, "reported_to": "Nobody"})
    assert unknown.status_code == 422 and "reported_to" in str(unknown.get_json())


# --- a hate incident or crime (the case review's local variant) --------------------------------

def test_the_form_records_a_hate_incident_and_its_page_says_so(browser, officer):
    signed_in = browser(officer)
    assert "It is a hate incident or crime" in signed_in.get("/incidents/new").get_data(
        as_text=True)
    assert signed_in.post("/incidents/new", data=_form(is_hate="y")).status_code == 302
    incident = _only_incident()
    assert incident.is_hate is True
    page = signed_in.get(f"/incidents/{incident.id}").get_data(as_text=True)
    assert "Hate incident or crime" in page.split("Location")[0].split("Anti-social")[1]


def test_without_the_box_ticked_it_is_not_a_hate_incident(browser, officer):
    assert browser(officer).post("/incidents/new", data=_form()).status_code == 302
    assert _only_incident().is_hate is False


def test_a_cad_file_may_mark_hate_incidents_and_a_wrong_value_refuses_the_file(tmp_path,
                                                                               police):
    header = CAD + ",is_hate"
    importer.import_file(_file(tmp_path, "cad.csv", header,
                               [CAD_ROWS[0] + ",yes", CAD_ROWS[1] + ","]), "cad", police.id)
    first, second = db.session.scalars(sa.select(Incident).order_by(Incident.source_key))
    assert (first.is_hate, second.is_hate) == (True, False)
    path = _file(tmp_path, "bad.csv", header, [CAD_ROWS[0].replace("CAD-101", "CAD-103") + ",maybe"])
    with pytest.raises(importer.ImportRefused) as refused:
        importer.import_file(path, "cad", police.id)
    [error] = refused.value.result.errors
    assert (error.line, error.column) == (2, "is_hate") and "is not yes or no" in error.reason


def test_the_api_takes_and_gives_whether_it_is_a_hate_incident(api, officer):
    client = api(officer)
    body = {"category": "Verbal abuse", "is_asb": True, "location": "Ermine parade",
            "occurred_at": "2026-03-01T21:30:00Z", "is_hate": True}
    answer = client("POST", "/api/v1/incidents", json=body)
    assert answer.status_code == 201, answer.get_json()
    assert answer.get_json()["is_hate"] is True
    refused = client("POST", "/api/v1/incidents", json={**body, "is_hate": "yes"})
    assert refused.status_code == 422 and "is_hate" in str(refused.get_json())
    plain = client("POST", "/api/v1/incidents", json={k: v for k, v in body.items()
                                                       if k != "is_hate"})
    assert plain.get_json()["is_hate"] is False

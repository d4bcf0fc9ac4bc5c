"""Notifications for the events that matter (issue 14): evaluations submitted, returned and
approved, actions done, cases shared, partners' notes; and each person's choice of e-mail."""

from __future__ import annotations

import datetime as dt
import time
from email import message_from_bytes
from email import policy as email_policy
from pathlib import Path

import pytest
import sqlalchemy as sa

from sara.actions import service as actions
from sara.cases import service as case_service
from sara.core import unit_of_work
from sara.core.types import today
from sara.evaluation import service as evaluation_service
from sara.extensions import db
from sara.notifications.models import Notification
from sara.partners import service as sharing


@pytest.fixture
def people(police, make_org, make_user):
    council = make_org("Borough Council", kind="local_authority")
    other_force = make_org("Neighbouring Constabulary")
    return {
        "owner": make_user("officer", name="Olu Owner"),
        "colleague": make_user("officer", name="Colin Colleague"),
        "supervisor": make_user("supervisor", name="Sue Supervisor"),
        "second_supervisor": make_user("supervisor", name="Sid Supervisor"),
        "retired_supervisor": make_user("supervisor", name="Rita Retired", enabled=False),
        "other_supervisor": make_user("supervisor", org=other_force, name="Oscar Other"),
        "council_a": make_user("partner", org=council, name="Cara Council"),
        "council_b": make_user("partner", org=council, name="Cody Council"),
        "council_admin": make_user("admin", org=council, name="Ada Admin"),
        "council": council,
        "other_force": other_force,
    }


@pytest.fixture
def case(people, make_case):
    return make_case(owner=people["owner"], scan_summary="Pattern",
                     analysis_location="Dark alley")


def _notifications(user, kind: str | None = None) -> list[Notification]:
    query = sa.select(Notification).where(Notification.user_id == user.id)
    if kind:
        query = query.where(Notification.kind == kind)
    return list(db.session.scalars(query.order_by(Notification.id)))


# --- evaluations -------------------------------------------------------------------------------

@pytest.fixture
def assessed(case, people):
    owner = people["owner"]
    case_service.add_objective(case, owner, "Halve the calls in 3 months", case.version)
    case_service.add_tactic(case, owner, category="situational", triangle_side="location",
                            description="Lighting", expected_version=case.version)
    for stage in ("analysis", "response", "assessment"):
        case_service.move_stage(case, owner, stage, None, case.version)
    evaluation = evaluation_service.start(case, owner)
    evaluation.measure = "ASB calls about the alley"
    evaluation.outcome = "reduced"
    db.session.commit()
    return case


def test_submitting_an_evaluation_notifies_the_forces_supervisors_once(browser, people,
                                                                       assessed):
    case = assessed
    owner = browser(people["owner"])
    version = case.evaluation.version
    assert owner.post(f"/cases/{case.reference}/evaluation/submit",
                      data={"version": version}).status_code == 302
    # A double submit (the same form posted twice) is refused and tells nobody again.
    owner.post(f"/cases/{case.reference}/evaluation/submit", data={"version": version})
    for name in ("supervisor", "second_supervisor"):
        [note] = _notifications(people[name], "evaluation_submitted")
        assert note.subject == f"Evaluation of case {case.reference} submitted for sign-off"
        assert note.link == f"/cases/{case.reference}/evaluation"
        assert people["owner"].name in note.body
    # Not another force's supervisor, a disabled one, the submitter or a partner.
    for name in ("other_supervisor", "retired_supervisor", "owner", "colleague", "council_a"):
        assert _notifications(people[name], "evaluation_submitted") == []
    inbox = browser(people["supervisor"]).get("/notifications").get_data(as_text=True)
    assert "submitted for sign-off" in inbox


def test_a_returned_evaluation_tells_the_owner_with_the_comment(browser, people, assessed):
    case = assessed
    evaluation_service.submit(case.evaluation, people["owner"])
    db.session.commit()
    supervisor = browser(people["supervisor"])
    assert supervisor.post(f"/cases/{case.reference}/evaluation/return", data={
        "comments": "Add the comparison dates", "version": case.evaluation.version,
    }).status_code == 302
    [note] = _notifications(people["owner"], "evaluation_returned")
    assert note.subject == f"Evaluation of case {case.reference} returned to draft"
    assert "Add the comparison dates" in note.body and people["supervisor"].name in note.body
    assert _notifications(people["supervisor"], "evaluation_returned") == []

    # Submitted again, it tells the supervisors again: a new event, not a repeat.
    db.session.expire_all()
    evaluation_service.submit(case.evaluation, people["owner"])
    db.session.commit()
    assert len(_notifications(people["supervisor"], "evaluation_submitted")) == 2


def test_an_approved_evaluation_tells_the_owner(browser, people, assessed):
    case = assessed
    evaluation_service.submit(case.evaluation, people["owner"])
    db.session.commit()
    supervisor = browser(people["supervisor"])
    version = case.evaluation.version
    assert supervisor.post(f"/cases/{case.reference}/evaluation/approve",
                           data={"comments": "Well evidenced", "version": version}
                           ).status_code == 302
    supervisor.post(f"/cases/{case.reference}/evaluation/approve",
                    data={"comments": "Well evidenced", "version": version})
    [note] = _notifications(people["owner"], "evaluation_approved")
    assert note.subject == f"Evaluation of case {case.reference} approved"
    assert "Well evidenced" in note.body


# --- actions -----------------------------------------------------------------------------------

def _action(case, actor, allocation: str):
    return actions.create_action(case, actor, {
        "title": "Install CCTV at the parade", "description": "", "tactic_category": "situational",
        "triangle_side": "location", "allocation": allocation,
        "due_date": today() + dt.timedelta(days=14), "priority": "high",
    })


def test_a_done_action_tells_its_allocator_with_the_result(browser, people, case):
    sharing.share_with_organisation(case, people["owner"], people["council"], "contribute")
    action = _action(case, people["owner"], f"user:{people['council_a'].id}")
    db.session.commit()
    worker = browser(people["council_a"])
    path = f"/cases/{case.reference}/actions/{action.reference}/status"
    form = {"to_status": "done", "text": "Cameras up and recording", "version": action.version}
    assert worker.post(path, data=form).status_code == 302
    worker.post(path, data=form)  # a double submit
    [note] = _notifications(people["owner"], "action_done")
    assert note.subject == f"Action {action.reference} is done"
    assert "Cameras up and recording" in note.body and people["council_a"].name in note.body
    assert note.link == f"/cases/{case.reference}/actions/{action.reference}"
    assert _notifications(people["council_a"], "action_done") == []


def test_an_allocator_who_finishes_their_own_action_is_not_told(people, case):
    action = _action(case, people["owner"], f"user:{people['owner'].id}")
    actions.change_status(action, people["owner"], "done", "Done it myself")
    assert _notifications(people["owner"], "action_done") == []


def test_an_allocator_who_lost_sight_of_the_case_is_not_told(people, case):
    """A partner allocated the action, then the share was withdrawn: the news (and its link)
    would tell them about a case they can no longer see."""
    share = sharing.share_with_organisation(case, people["owner"], people["council"],
                                            "contribute")
    action = _action(case, people["council_a"], f"user:{people['owner'].id}")
    sharing.withdraw_share(case, people["owner"], share.id)
    actions.change_status(action, people["owner"], "done", "Finished")
    assert _notifications(people["council_a"], "action_done") == []


# --- sharing -----------------------------------------------------------------------------------

def test_sharing_a_case_tells_the_partner_organisations_users_once(browser, people, case):
    owner = browser(people["owner"])
    path = f"/cases/{case.reference}/sharing/organisations"
    form = {"organisation_id": people["council"].id, "level": "view"}
    assert owner.post(path, data=form).status_code == 302
    owner.post(path, data=form)  # a double submit: already shared, refused
    for name in ("council_a", "council_b", "council_admin"):
        [note] = _notifications(people[name], "case_shared")
        assert note.subject == f"Case {case.reference} shared with Borough Council"
        assert note.link == f"/cases/{case.reference}"
    assert _notifications(people["colleague"], "case_shared") == []
    assert _notifications(people["other_supervisor"], "case_shared") == []
    # The link works for them: the case is shared.
    assert browser(people["council_a"]).get(f"/cases/{case.reference}").status_code == 200


def test_sharing_with_a_named_user_tells_only_them(people, case):
    sharing.share_with_user(case, people["owner"], people["council_a"].email, "view")
    [note] = _notifications(people["council_a"], "case_shared")
    assert note.subject == f"Case {case.reference} shared with you"
    assert _notifications(people["council_b"], "case_shared") == []


def test_a_withdrawn_case_no_longer_shows_its_notification(browser, people, case):
    share = sharing.share_with_organisation(case, people["owner"], people["council"], "view")
    sharing.withdraw_share(case, people["owner"], share.id)
    db.session.commit()
    inbox = browser(people["council_a"]).get("/notifications").get_data(as_text=True)
    assert f'href="/cases/{case.reference}"' not in inbox and case.title not in inbox
    assert "no longer shared with you" in inbox


# --- partners' notes ---------------------------------------------------------------------------

def test_a_partners_note_tells_the_case_owner(browser, people, case):
    sharing.share_with_organisation(case, people["owner"], people["council"], "contribute")
    db.session.commit()
    partner = browser(people["council_a"])
    assert partner.post(f"/cases/{case.reference}/notes",
                        data={"text": "The landlord will fit new locks"}).status_code == 302
    [note] = _notifications(people["owner"], "partner_note")
    assert note.subject == f"New note from a partner on case {case.reference}"
    assert "The landlord will fit new locks" in note.body
    assert people["council_a"].name in note.body and "Borough Council" in note.body


def test_a_colleagues_note_is_not_a_partner_note(people, case):
    case_service.add_note(case, people["colleague"], "Spoke to the shop")
    case_service.add_note(case, people["owner"], "My own note")
    assert _notifications(people["owner"], "partner_note") == []


# --- e-mail ------------------------------------------------------------------------------------

@pytest.fixture
def outbox(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_OUTBOX", str(tmp_path / "outbox"))
    monkeypatch.setitem(app.config, "MAIL_SERVER", None)
    return tmp_path / "outbox"


def _mail(outbox: Path) -> list:
    return [message_from_bytes(f.read_bytes(), policy=email_policy.default)
            for f in sorted(outbox.glob("*.eml"))]


def test_new_kinds_are_emailed_after_the_commit(people, case, sent_tasks):
    sharing.share_with_organisation(case, people["owner"], people["council"], "view")
    assert sent_tasks == []
    unit_of_work.commit()
    [args] = sent_tasks.named("send_notification_emails")
    assert sorted(args[0]) == sorted(n.id for n in db.session.scalars(
        sa.select(Notification).where(Notification.kind == "case_shared")))


def test_a_shared_case_is_emailed_once_to_each_of_the_partners(app, people, case, outbox):
    sharing.share_with_organisation(case, people["owner"], people["council"], "view")
    ids = [n.id for n in db.session.scalars(
        sa.select(Notification).where(Notification.kind == "case_shared"))]
    from worker.tasks import send_notification_emails

    assert send_notification_emails.apply(args=[ids]).get() == 3
    assert send_notification_emails.apply(args=[ids]).get() == 0  # a retried task sends nothing
    mail = _mail(outbox)
    assert sorted(m["To"] for m in mail) == sorted(
        people[n].email for n in ("council_a", "council_b", "council_admin"))
    # The subject names the case's reference and the organisation, nobody's personal details.
    assert {m["Subject"].strip() for m in mail} == {
        f"SARA casebook: Case {case.reference} shared with Borough Council"}


# --- each person's choice ----------------------------------------------------------------------

def test_the_settings_page_offers_one_choice_per_kind_defaulting_to_email(browser, people):
    page = browser(people["owner"]).get("/notifications/settings")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    from sara.notifications.models import KINDS

    for kind, label in KINDS.items():
        assert label in html
        assert f'name="{kind}"' in html
    assert html.count('value="email" checked') == len(KINDS)


def test_choosing_in_app_only_keeps_the_notification_but_sends_no_email(
        app, browser, people, case, outbox, sent_tasks):
    partner = browser(people["council_a"])
    assert partner.post("/notifications/settings",
                        data={"case_shared": "in_app", "allocated": "email"}).status_code == 302
    from sara.audit.models import AuditEvent

    assert db.session.scalar(sa.select(AuditEvent).where(
        AuditEvent.user_id == people["council_a"].id,
        AuditEvent.summary.like("%notification settings%"))) is not None
    page = partner.get("/notifications/settings").get_data(as_text=True)
    assert 'value="in_app" checked' in page

    sharing.share_with_organisation(case, people["owner"], people["council"], "view")
    unit_of_work.commit()
    [mine] = _notifications(people["council_a"], "case_shared")
    assert mine.email_state == "not_wanted"  # in the app, not by e-mail
    [args] = sent_tasks.named("send_notification_emails")
    assert mine.id not in args[0]
    assert len(args[0]) == 2  # the others still want it

    # Another kind is still e-mailed to them.
    action = _action(case, people["owner"], f"user:{people['council_a'].id}")
    [allocated] = _notifications(people["council_a"], "allocated")
    assert allocated.email_state == "pending" and action is not None


def test_the_sending_respects_a_choice_made_after_the_notification(app, people, case, outbox):
    sharing.share_with_organisation(case, people["owner"], people["council"], "view")
    [note] = _notifications(people["council_a"], "case_shared")
    from sara.notifications import service as notifications
    from worker.tasks import send_notification_emails

    notifications.set_preferences(people["council_a"], {"case_shared": False})
    assert send_notification_emails.apply(args=[[note.id]]).get() == 0
    db.session.expire_all()
    assert db.session.get(Notification, note.id).email_state == "not_wanted"
    assert _mail(outbox) == []


def test_the_settings_form_needs_its_csrf_token_and_valid_choices(browser, people):
    partner = browser(people["council_a"])
    assert partner.post("/notifications/settings", data={"case_shared": "in_app"},
                        csrf=False).status_code == 400
    response = partner.post("/notifications/settings", data={"case_shared": "carrier_pigeon"})
    assert response.status_code == 200
    from sara.notifications import service as notifications

    assert notifications.preferences(people["council_a"])["case_shared"] is True


# --- a real worker -----------------------------------------------------------------------------

@pytest.mark.committed
@pytest.mark.worker
def test_a_real_worker_emails_an_evaluation_submitted_for_sign_off(app, people, make_case,
                                                                   outbox, celery_worker):
    owner = people["owner"]
    case = make_case(owner=owner, scan_summary="Pattern", analysis_location="Dark alley")
    case_service.add_objective(case, owner, "Halve the calls", case.version)
    case_service.add_tactic(case, owner, category="situational", triangle_side="location",
                            description="Lighting", expected_version=case.version)
    for stage in ("analysis", "response", "assessment"):
        case_service.move_stage(case, owner, stage, None, case.version)
    evaluation = evaluation_service.start(case, owner)
    evaluation.measure, evaluation.outcome = "ASB calls", "reduced"
    db.session.commit()
    evaluation_service.submit(evaluation, owner)
    unit_of_work.commit()  # as a request ends: the e-mail leaves through the outbox
    started = time.monotonic()
    mail: list = []
    while time.monotonic() - started < 30 and len(mail) < 2:
        mail = _mail(outbox)
        time.sleep(0.1)
    assert sorted(m["To"] for m in mail) == sorted(
        [people["supervisor"].email, people["second_supervisor"].email])
    assert [m["Subject"].strip() for m in mail] == 2 * [f"SARA casebook: Evaluation of case {case.reference} submitted "
               "for sign-off"]
    states: list = []
    while time.monotonic() - started < 30 and states != ["sent", "sent"]:
        states = list(db.session.scalars(sa.select(Notification.email_state).where(
            Notification.kind == "evaluation_submitted")))
        db.session.rollback()  # let go of the database while we wait (SQLite has one writer)
        time.sleep(0.1)
    assert states == ["sent", "sent"]
    assert len(_mail(outbox)) == 2  # once each

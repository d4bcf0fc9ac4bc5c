"""Actions: allocation, permissions, the status workflow, overdue flags and notifications."""

from __future__ import annotations

import datetime as dt
import re
import socket
import time
from email import message_from_bytes
from pathlib import Path

import pytest
import sqlalchemy as sa

from sara.actions import service
from sara.actions.models import Action, ActionEntry
from sara.core import unit_of_work
from sara.core.outbox import unsent
from sara.core.types import today
from sara.extensions import db
from sara.flags.models import Flag
from sara.flags.scan import scan_action_overdue
from sara.notifications.models import Notification
from sara.partners import service as sharing
from tests.conftest import IS_POSTGRES


def _values(**overrides):
    values = {
        "title": "Install CCTV at the parade", "description": "Two cameras",
        "tactic_category": "situational", "triangle_side": "location",
        "allocation": None, "due_date": today() + dt.timedelta(days=14), "priority": "high",
    }
    values.update(overrides)
    return values


def _form(allocation: str, due: dt.date | None = None, **overrides) -> dict:
    due = due or today() + dt.timedelta(days=14)
    data = {
        "title": "Install CCTV at the parade", "description": "Two cameras",
        "tactic_category": "situational", "triangle_side": "location", "allocation": allocation,
        "due_date": [str(due.day), str(due.month), str(due.year)], "priority": "high",
    }
    data.update(overrides)
    return data


@pytest.fixture
def setup(police, make_org, make_user, make_case):
    owner = make_user("officer", name="Olu Owner")
    council = make_org("Borough Council", kind="local_authority")
    housing = make_org("Homes Trust", kind="housing")
    stranger_org = make_org("Unshared Charity", kind="voluntary")
    case = make_case(owner=owner)
    # Shared before the partners' people exist, so that the only notifications here are the
    # actions' (a share's own are tested in tests/test_notifications.py).
    sharing.share_with_organisation(case, owner, council, "view")
    sharing.share_with_organisation(case, owner, housing, "contribute")
    people = {
        "owner": owner,
        "colleague": make_user("officer", name="Colin Colleague"),
        "council_a": make_user("partner", org=council, name="Cara Council"),
        "council_b": make_user("partner", org=council, name="Cody Council"),
        "housing": make_user("partner", org=housing, name="Hana Housing"),
        "stranger": make_user("partner", org=stranger_org, name="Stan Stranger"),
    }
    db.session.commit()
    return case, people, {"council": council, "housing": housing, "stranger": stranger_org}


def _notifications(user) -> list[Notification]:
    return db.session.scalars(sa.select(Notification).where(Notification.user_id == user.id)).all()


# --- allocation --------------------------------------------------------------------------------

def test_allocate_to_a_user_through_the_form(setup, browser):
    case, people, _ = setup
    owner = browser(people["owner"])
    response = owner.post(f"/cases/{case.reference}/actions/new",
                          data=_form(f"user:{people['council_a'].id}"))
    assert response.status_code == 302
    action = db.session.scalar(sa.select(Action).where(Action.case_id == case.id))
    assert action.allocated_user_id == people["council_a"].id
    assert action.reference.startswith("AC-")
    page = owner.get(f"/cases/{case.reference}").get_data(as_text=True)
    assert "Install CCTV at the parade" in page and "Cara Council" in page
    notes = _notifications(people["council_a"])
    assert [n.kind for n in notes] == ["allocated"]
    assert _notifications(people["council_b"]) == []  # a personal allocation tells only them


def test_allocate_to_an_organisation_notifies_its_people(setup, browser):
    case, people, orgs = setup
    browser(people["owner"]).post(f"/cases/{case.reference}/actions/new",
                                  data=_form(f"org:{orgs['council'].id}"))
    action = db.session.scalar(sa.select(Action).where(Action.case_id == case.id))
    assert action.allocated_organisation_id == orgs["council"].id
    assert action.allocated_to_name == "Borough Council"
    assert len(_notifications(people["council_a"])) == 1
    assert len(_notifications(people["council_b"])) == 1
    assert _notifications(people["owner"]) == []  # not the person who allocated it


def test_cannot_allocate_to_an_organisation_the_case_is_not_shared_with(setup, browser):
    case, people, orgs = setup
    response = browser(people["owner"]).post(f"/cases/{case.reference}/actions/new",
                                             data=_form(f"org:{orgs['stranger'].id}"))
    assert response.status_code == 200
    assert "There is a problem" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Action)) == 0


def test_due_date_in_the_past_is_refused_and_typing_kept(setup, browser):
    case, people, _ = setup
    response = browser(people["owner"]).post(
        f"/cases/{case.reference}/actions/new",
        data=_form(f"user:{people['owner'].id}", due=today() - dt.timedelta(days=1),
                   title="Keep this title"))
    html = response.get_data(as_text=True)
    assert "The due date must be today or in the future" in html
    assert "Keep this title" in html


def test_contributing_partner_can_add_an_action_and_view_partner_cannot(setup, browser):
    case, people, orgs = setup
    ok = browser(people["housing"]).post(f"/cases/{case.reference}/actions/new",
                                         data=_form(f"org:{orgs['housing'].id}"))
    assert ok.status_code == 302
    refused = browser(people["council_a"]).post(f"/cases/{case.reference}/actions/new",
                                                data=_form(f"org:{orgs['council'].id}"))
    assert refused.status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Action)) == 1


# --- partner permissions -----------------------------------------------------------------------

def _make(case, actor, allocation, **kw):
    action = service.create_action(case, actor, _values(allocation=allocation, **kw))
    db.session.commit()
    return action


def test_view_partner_works_an_action_allocated_to_their_organisation(setup, browser):
    case, people, orgs = setup
    theirs = _make(case, people["owner"], f"org:{orgs['council'].id}")
    council = browser(people["council_a"])
    base = f"/cases/{case.reference}/actions/{theirs.reference}"
    assert council.post(f"{base}/status", data={"to_status": "in_progress",
                                                "version": theirs.version}).status_code == 302
    assert council.post(f"{base}/notes", data={"text": "Site visit booked"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Action, theirs.id).status == "in_progress"


def test_view_partner_cannot_touch_someone_elses_action(setup, browser):
    case, people, _ = setup
    other = _make(case, people["owner"], f"user:{people['owner'].id}")
    council = browser(people["council_a"])
    base = f"/cases/{case.reference}/actions/{other.reference}"
    version = other.version
    assert council.post(f"{base}/status", data={"to_status": "done", "text": "x",
                                                "version": version}).status_code == 403
    assert council.post(f"{base}/notes", data={"text": "meddling"}).status_code == 403
    assert council.post(f"{base}/edit", data=_form(f"user:{people['council_a'].id}")).status_code == 403
    db.session.expire_all()
    action = db.session.get(Action, other.id)
    assert (action.status, action.version, action.allocated_user_id) == ("open", version, people["owner"].id)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ActionEntry)
                             .where(ActionEntry.action_id == other.id)) == 1


def test_unshared_partner_gets_404_for_the_action(setup, browser):
    case, people, _ = setup
    action = _make(case, people["owner"], f"user:{people['owner'].id}")
    stranger = browser(people["stranger"])
    assert stranger.get(f"/cases/{case.reference}/actions/{action.reference}").status_code == 404
    assert action.reference not in stranger.get("/actions/organisation").get_data(as_text=True)


# --- workflow ----------------------------------------------------------------------------------

def test_status_workflow_needs_result_and_reason(setup, browser):
    case, people, _ = setup
    action = _make(case, people["owner"], f"user:{people['owner'].id}")
    owner = browser(people["owner"])
    url = f"/cases/{case.reference}/actions/{action.reference}/status"

    response = owner.post(url, data={"to_status": "done", "text": "", "version": action.version})
    assert "Enter the result: what was done and what it achieved" in response.get_data(as_text=True)
    response = owner.post(url, data={"to_status": "cancelled", "text": "  ", "version": action.version})
    assert "Enter why the action is being cancelled" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Action, action.id).status == "open"

    def move(to, text=""):
        version = db.session.get(Action, action.id).version
        response = owner.post(url, data={"to_status": to, "text": text, "version": version})
        db.session.expire_all()
        return response

    assert move("in_progress").status_code == 302
    assert move("done", "Cameras installed; calls fell by half").status_code == 302
    done = db.session.get(Action, action.id)
    assert done.status == "done" and done.result.startswith("Cameras installed")
    # Done cannot go straight back to in progress; it is reopened.
    assert move("in_progress").status_code == 200
    assert db.session.get(Action, action.id).status == "done"
    assert move("open").status_code == 302
    assert db.session.get(Action, action.id).status == "open"

    timeline = owner.get(f"/cases/{case.reference}/timeline").get_data(as_text=True)
    assert "Moved to done" in timeline and "Cameras installed" in timeline
    assert "Reopened" in timeline
    history = owner.get(f"/cases/{case.reference}/actions/{action.reference}").get_data(as_text=True)
    assert history.count("app-timeline__item") == 4  # created, in progress, done, reopened


def test_stale_status_change_is_refused(setup, browser):
    case, people, _ = setup
    action = _make(case, people["owner"], f"user:{people['owner'].id}")
    owner = browser(people["owner"])
    stale = action.version
    service.change_status(action, people["colleague"], "in_progress", "")
    db.session.commit()
    response = owner.post(f"/cases/{case.reference}/actions/{action.reference}/status",
                          data={"to_status": "cancelled", "text": "not needed", "version": stale},
                          follow_redirects=True)
    assert "Someone else updated this action" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Action, action.id).status == "in_progress"


# --- overdue -----------------------------------------------------------------------------------

def _due(action, when: dt.date):
    db.session.execute(sa.update(Action).where(Action.id == action.id).values(
        due_date=when, version=Action.version + 1))
    db.session.commit()
    db.session.expire_all()


def _live_flags():
    return db.session.scalars(sa.select(Flag).where(Flag.kind == "action_overdue",
                                                    Flag.resolved_dt.is_(None))).all()


def test_due_today_is_not_overdue_due_yesterday_is(setup):
    case, people, _ = setup
    due_today = _make(case, people["owner"], f"user:{people['owner'].id}")
    due_yesterday = _make(case, people["owner"], f"user:{people['owner'].id}")
    _due(due_today, today())
    _due(due_yesterday, today() - dt.timedelta(days=1))
    result = scan_action_overdue()
    db.session.commit()
    flags = _live_flags()
    assert [f.action_id for f in flags] == [due_yesterday.id]
    assert flags[0].evidence["action"] == due_yesterday.reference
    assert flags[0].evidence["due_date"] == (today() - dt.timedelta(days=1)).isoformat()
    assert len(result.raised) == 1
    assert not db.session.get(Action, due_today.id).is_overdue
    assert db.session.get(Action, due_yesterday.id).is_overdue


def test_scan_twice_gives_the_same_flags_and_done_resolves(setup, browser):
    case, people, _ = setup
    action = _make(case, people["owner"], f"user:{people['owner'].id}")
    _due(action, today() - dt.timedelta(days=3))
    first = scan_action_overdue()
    second = scan_action_overdue()
    db.session.commit()
    assert len(first.raised) == 1 and second.raised == []
    assert len(_live_flags()) == 1

    owner = browser(people["owner"])
    assert "overdue-badge" in owner.get("/actions/mine").get_data(as_text=True)
    version = db.session.get(Action, action.id).version
    owner.post(f"/cases/{case.reference}/actions/{action.reference}/status",
               data={"to_status": "done", "text": "Finished late", "version": version})
    db.session.expire_all()
    assert _live_flags() == []
    flag = db.session.scalar(sa.select(Flag).where(Flag.action_id == action.id))
    assert flag.status == "resolved"
    assert flag.resolved_note == "Resolved automatically: the action was done"
    assert "overdue-badge" not in owner.get("/actions/mine").get_data(as_text=True)


def test_overdue_scan_notifies_owner_and_allocator_once(setup):
    case, people, orgs = setup
    action = _make(case, people["owner"], f"org:{orgs['council'].id}")
    _due(action, today() - dt.timedelta(days=1))
    from sara.flags.jobs import scan_actions

    scan_actions()
    scan_actions()
    db.session.commit()
    for person in ("council_a", "council_b", "owner"):
        overdue = [n for n in _notifications(people[person]) if n.kind == "overdue"]
        assert len(overdue) == 1, person


def test_header_badge_counts_my_overdue_actions(setup, browser):
    case, people, orgs = setup
    for _ in range(2):
        _due(_make(case, people["owner"], f"org:{orgs['council'].id}"), today() - dt.timedelta(days=2))
    _make(case, people["owner"], f"org:{orgs['council'].id}")  # not overdue
    html = browser(people["council_a"]).get("/actions/organisation").get_data(as_text=True)
    assert 'data-testid="overdue-badge">2<' in html
    assert "3 actions, <strong>2 overdue</strong>" in html


def test_the_header_badge_opens_the_list_it_counts(setup, browser):
    """The badge and "My actions" agree: an action allocated to my organisation as a whole is
    mine to pick up, and one allocated to a named colleague is theirs."""
    case, people, orgs = setup
    late = today() - dt.timedelta(days=2)
    _due(_make(case, people["owner"], f"org:{orgs['council'].id}", title="For the council"), late)
    _due(_make(case, people["owner"], f"user:{people['council_a'].id}", title="For Cara"), late)
    _due(_make(case, people["owner"], f"user:{people['council_b'].id}", title="For Cody"), late)
    cara = browser(people["council_a"])
    home = cara.get("/notifications").get_data(as_text=True)
    assert 'data-testid="overdue-badge">2<' in home
    badge_link = re.search(
        r'href="([^"]+)"[^>]*>\s*Actions\s*<strong[^>]*data-testid="overdue-badge"', home)
    assert badge_link, "the badge is inside the Actions link"
    listed = cara.get(badge_link.group(1)).get_data(as_text=True)
    assert "2 actions, <strong>2 overdue</strong>" in listed
    assert "For the council" in listed and "For Cara" in listed and "For Cody" not in listed


def test_action_lists_sort_by_due_date_status_and_case(setup, browser):
    case, people, _ = setup
    later = _make(case, people["owner"], f"user:{people['owner'].id}", title="Later one",
                  due_date=today() + dt.timedelta(days=30))
    sooner = _make(case, people["owner"], f"user:{people['owner'].id}", title="Sooner one",
                   due_date=today() + dt.timedelta(days=2))
    owner = browser(people["owner"])
    html = owner.get("/actions/mine?sort=due&dir=asc").get_data(as_text=True)
    assert html.index(sooner.reference) < html.index(later.reference)
    html = owner.get("/actions/mine?sort=due&dir=desc").get_data(as_text=True)
    assert html.index(later.reference) < html.index(sooner.reference)
    service.change_status(later, people["owner"], "in_progress", "")
    db.session.commit()
    html = owner.get("/actions/mine?sort=status&dir=desc").get_data(as_text=True)
    assert html.index(later.reference) < html.index(sooner.reference)
    assert owner.get("/actions/mine?sort=case&dir=asc").status_code == 200
    assert owner.get("/actions/mine?sort=nonsense&dir=sideways").status_code == 200


def test_scan_command(app, setup):
    case, people, _ = setup
    action = _make(case, people["owner"], f"user:{people['owner'].id}")
    _due(action, today() - dt.timedelta(days=1))
    result = app.test_cli_runner().invoke(args=["sara", "scan", "actions"])
    assert result.exit_code == 0, result.output
    assert "action_overdue: 1 raised, 0 resolved" in result.output
    result = app.test_cli_runner().invoke(args=["sara", "scan", "all"])
    assert "action_overdue: 0 raised, 0 resolved" in result.output


# --- notifications -----------------------------------------------------------------------------

def test_notes_notify_the_allocator_and_the_owner(setup, browser):
    case, people, _ = setup
    action = _make(case, people["owner"], f"user:{people['council_a'].id}")
    browser(people["housing"]).post(
        f"/cases/{case.reference}/actions/{action.reference}/notes", data={"text": "Spoke to them"})
    assert [n.kind for n in _notifications(people["owner"])] == ["note"]
    assert sorted(n.kind for n in _notifications(people["council_a"])) == ["allocated", "note"]
    inbox = browser(people["council_a"]).get("/notifications").get_data(as_text=True)
    assert "2 unread" in inbox and "Spoke to them" in inbox


def test_email_is_enqueued_after_commit_and_not_on_rollback(app, setup, sent_tasks):
    case, people, _ = setup
    service.create_action(case, people["owner"], _values(allocation=f"user:{people['council_a'].id}"))
    assert sent_tasks == []  # nothing leaves before the commit
    unit_of_work.rollback()
    assert sent_tasks == [] and unsent() == 0  # ...and a rolled-back change never sends
    service.create_action(case, people["owner"], _values(allocation=f"user:{people['council_a'].id}"))
    unit_of_work.commit()
    [ids] = sent_tasks.named("send_notification_emails")
    assert len(ids[0]) == 1 and unsent() == 0


def _outbox(app) -> list[Path]:
    return sorted(Path(app.config["MAIL_OUTBOX"]).glob("*.eml"))


@pytest.fixture
def outbox(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_OUTBOX", str(tmp_path / "outbox"))
    monkeypatch.setitem(app.config, "MAIL_SERVER", None)
    return tmp_path / "outbox"


def test_each_notification_is_emailed_exactly_once_even_when_the_task_repeats(app, setup, outbox):
    case, people, _ = setup
    action = _make(case, people["owner"], f"user:{people['council_a'].id}")
    ids = [n.id for n in _notifications(people["council_a"])]
    from worker.tasks import send_notification_emails

    assert send_notification_emails.apply(args=[ids]).get() == 1
    assert send_notification_emails.apply(args=[ids]).get() == 0  # a redelivery sends nothing
    files = _outbox(app)
    assert len(files) == 1
    message = message_from_bytes(files[0].read_bytes())
    assert message["To"] == people["council_a"].email
    assert action.reference in message["Subject"]


def test_a_failed_send_is_retried_and_still_sent_once(app, setup, outbox, monkeypatch):
    case, people, _ = setup
    _make(case, people["owner"], f"user:{people['council_a'].id}")
    ids = [n.id for n in _notifications(people["council_a"])]
    from sara.notifications import service as notifications
    from worker.tasks import send_notification_emails

    real_deliver = notifications.deliver
    attempts = []

    def flaky(message):
        attempts.append(1)
        if len(attempts) == 1:
            raise ConnectionRefusedError("mail server down")
        real_deliver(message)

    monkeypatch.setattr(notifications, "deliver", flaky)
    monkeypatch.setitem(app.extensions["celery"].conf, "task_always_eager", True)
    send_notification_emails.apply(args=[ids], retries=0)
    assert len(attempts) == 2
    assert len(_outbox(app)) == 1
    db.session.expire_all()
    assert db.session.get(Notification, ids[0]).email_state == "sent"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_email_is_delivered_to_a_real_smtp_server(app, setup, monkeypatch):
    from aiosmtpd.controller import Controller

    class Inbox:
        def __init__(self):
            self.messages = []

        async def handle_DATA(self, server, session, envelope):
            self.messages.append(envelope)
            return "250 Message accepted"

    handler = Inbox()
    port = _free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
        monkeypatch.setitem(app.config, "MAIL_PORT", port)
        case, people, _ = setup
        _make(case, people["owner"], f"user:{people['council_a'].id}")
        ids = [n.id for n in _notifications(people["council_a"])]
        from worker.tasks import send_notification_emails

        assert send_notification_emails.apply(args=[ids]).get() == 1
        deadline = time.monotonic() + 5
        while not handler.messages and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        controller.stop()
    assert len(handler.messages) == 1
    envelope = handler.messages[0]
    assert envelope.rcpt_tos == [people["council_a"].email]
    assert b"allocated the action" in envelope.content


# --- a real worker -----------------------------------------------------------------------------

@pytest.mark.committed
@pytest.mark.worker
def test_a_real_worker_runs_the_overdue_scan(app, police, make_user, make_case, celery_worker):
    owner = make_user("officer")
    case = make_case(owner=owner)
    action = service.create_action(case, owner, _values(allocation=f"user:{owner.id}"))
    db.session.commit()
    _due(action, today() - dt.timedelta(days=1))
    from worker.tasks import run_scan

    run_scan.delay("actions")
    deadline = time.monotonic() + 30
    flags = []
    while time.monotonic() < deadline and not flags:
        flags = _live_flags()
        db.session.rollback()  # let go of the database while we wait (SQLite has one writer)
        time.sleep(0.2)
    assert [f.action_id for f in flags] == [action.id]
    if IS_POSTGRES:
        assert app.extensions["celery"].conf.broker_url.startswith("redis://")


def test_nothing_is_enqueued_when_only_a_savepoint_is_released(app, setup, sent_tasks):
    """A savepoint inside the request (a new reference series starts with one) is not the
    commit: the e-mail must wait for the real one."""
    case, people, _ = setup
    from sara.core.references import next_number

    service.create_action(case, people["owner"], _values(allocation=f"user:{people['council_a'].id}"))
    next_number("a-brand-new-series")  # releases a savepoint
    assert sent_tasks == []
    unit_of_work.commit()
    assert len(sent_tasks.named("send_notification_emails")) == 1


def test_reopening_an_overdue_action_flags_and_notifies_at_once(setup):
    case, people, orgs = setup
    action = _make(case, people["owner"], f"org:{orgs['council'].id}")
    service.change_status(action, people["council_a"], "done", "Finished")
    db.session.commit()
    _due(action, today() - dt.timedelta(days=2))
    service.change_status(db.session.get(Action, action.id), people["owner"], "open", "")
    db.session.commit()
    assert [f.action_id for f in _live_flags()] == [action.id]
    overdue = [n for n in _notifications(people["council_b"]) if n.kind == "overdue"]
    assert len(overdue) == 1


def test_a_cut_action_list_says_how_many_there_are(setup, browser, monkeypatch):
    case, people, _ = setup
    for n in range(3):
        _make(case, people["owner"], f"user:{people['owner'].id}", title=f"Action {n}")
    monkeypatch.setattr(service, "LIST_LIMIT", 2)
    html = browser(people["owner"]).get("/actions/mine").get_data(as_text=True)
    assert 'data-testid="action-count">3 actions' in html
    assert "first 2 of 3 actions" in html
    csv = browser(people["owner"]).get("/actions/mine/export.csv").get_data(as_text=True)
    assert len(csv.strip().splitlines()) == 1 + 3


def test_call_handlers_and_admins_are_not_given_actions(setup, police, make_user, browser):
    case, people, _ = setup
    handler = make_user("call_handler", name="Hattie Handler")
    admin = make_user("admin", name="Ada Admin")
    page = browser(people["owner"]).get(f"/cases/{case.reference}/actions/new")
    html = page.get_data(as_text=True)
    assert "Colin Colleague" in html and "Hattie Handler" not in html and "Ada Admin" not in html
    refused = browser(people["owner"]).post(f"/cases/{case.reference}/actions/new",
                                            data=_form(f"user:{handler.id}"))
    assert refused.status_code == 200 and "Choose who the action is for" in refused.get_data(
        as_text=True)
    # Given to the whole force, the action notifies its case workers but not the call handler.
    _make(case, people["owner"], f"org:{police.id}")
    assert _notifications(people["colleague"]) and not _notifications(handler)
    assert not _notifications(admin)

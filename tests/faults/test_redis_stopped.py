"""Redis stopped: the service goes on, and nothing it owes is lost.

The web app here uses this test's own Redis for both its broker and its sign-in throttle, as a
deployment does, and Redis is stopped under it. Pages still answer; an action allocated during
the outage is saved (302), its notification e-mail waits in the outbox; /healthz says the broker
is unavailable. When Redis comes back, the relay (beat, every 5 s) hands the message over and
the e-mail goes exactly once."""

from __future__ import annotations

import datetime as dt
from email import message_from_bytes

import pytest
import sqlalchemy as sa

from sara.actions.models import Action
from sara.core import outbox
from sara.core.outbox import OutboxMessage
from sara.core.types import today
from sara.extensions import db
from sara.notifications.models import Notification
from tests.conftest import Browser, _FreshContextClient
from tests.faults.conftest import celery_settings
from tests.faults.services import emails, wait_for

pytestmark = [pytest.mark.committed, pytest.mark.worker]

SEND_TASK = "worker.tasks.send_notification_emails"


def _action_form(allocation: str) -> dict:
    due = today() + dt.timedelta(days=14)
    return {"title": "Board up the empty shop", "description": "Before the weekend",
            "tactic_category": "situational", "triangle_side": "location",
            "allocation": allocation, "priority": "high",
            "due_date": [str(due.day), str(due.month), str(due.year)]}


def _messages(task: str) -> list[OutboxMessage]:
    db.session.rollback()
    return list(db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.task == task)))


def _notifications(user_id: int) -> list[tuple[str, str]]:
    db.session.rollback()
    return list(db.session.execute(sa.select(Notification.kind, Notification.email_state)
                                   .where(Notification.user_id == user_id)).all())


def test_with_redis_stopped_pages_answer_and_an_allocation_is_emailed_once_when_it_returns(
        database_url, other_app, redis_server, processes, broker, mail_outbox, make_user,
        make_case):
    web = other_app(SQLALCHEMY_DATABASE_URI=database_url,
                    CELERY=celery_settings(redis_server.url),
                    RATELIMIT_STORAGE_URI=redis_server.url)
    web.test_client_class = _FreshContextClient
    owner = make_user("officer", name="Olive Owner")
    colleague = make_user("officer", name="Colin Colleague")
    handler = make_user("call_handler", name="Cal Handler")
    case = make_case(owner=owner)
    db.session.commit()
    signed_in = Browser(web.test_client(), owner)

    redis_server.stop()

    assert signed_in.get("/", follow_redirects=True).status_code == 200
    for path in (f"/cases/{case.reference}", "/cases", "/search?q=parade"):
        assert signed_in.get(path).status_code == 200, path
    # Signing in (whose throttle counts in Redis) still works.
    call_handler = Browser(web.test_client(), handler)
    assert call_handler.post("/lookup", {"name": "Smith"}).status_code == 200

    response = signed_in.post(f"/cases/{case.reference}/actions/new",
                              data=_action_form(f"user:{colleague.id}"))
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.rollback()
    [action] = db.session.scalars(sa.select(Action).where(Action.case_id == case.id))
    assert action.allocated_user_id == colleague.id
    assert _notifications(colleague.id) == [("allocated", "pending")]
    [waiting] = _messages(SEND_TASK)
    assert waiting.sent_dt is None and waiting.attempts == 1 and waiting.last_error
    # The next request does not wait on the broker again (the relay job keeps trying).
    assert signed_in.get(f"/cases/{case.reference}").status_code == 200
    assert _messages(SEND_TASK)[0].attempts == 1

    health = signed_in.get("/healthz")
    assert health.status_code == 200
    assert health.get_json()["broker"] == "unavailable"
    assert health.get_json()["database"] == "ok"
    assert emails(mail_outbox) == []

    redis_server.start()
    processes.worker()
    processes.beat()

    assert wait_for(lambda: _notifications(colleague.id) == [("allocated", "sent")], 90), \
        processes.logs()
    assert _messages(SEND_TASK)[0].sent_dt is not None
    assert signed_in.get("/healthz").get_json()["broker"] == "ok"
    [mail] = emails(mail_outbox)
    assert message_from_bytes(mail.read_bytes())["To"] == colleague.email

    # The sweeper, and a second hand-over of the same message (a relay that crashed before it
    # recorded the sending), send nothing again.
    broker.send_task(SEND_TASK, args=[[n.id for n in db.session.scalars(
        sa.select(Notification).where(Notification.user_id == colleague.id))]],
        kwargs={"outbox_key": waiting.key})
    broker.send_task("worker.tasks.sweep_notification_emails")
    relays = processes.started[0].log().count("worker.tasks.relay_outbox")
    assert wait_for(lambda: processes.started[0].log().count("worker.tasks.relay_outbox")
                    >= relays + 4, 60), processes.logs()
    assert len(emails(mail_outbox)) == 1
    assert _notifications(colleague.id) == [("allocated", "sent")]
    assert outbox.unsent() == 0

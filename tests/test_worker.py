"""Jobs run in a real Celery worker, on the same broker the deployment uses."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
import sqlalchemy as sa

from sara.auth.models import UserSession
from sara.core.types import utcnow
from sara.extensions import db
from worker import tasks
from worker.schedule import BEAT_SCHEDULE


def _wait_for(predicate, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def test_every_scheduled_task_exists(app):
    celery = app.extensions["celery"]
    celery.loader.import_default_modules()
    for entry in BEAT_SCHEDULE.values():
        assert entry["task"] in celery.tasks


def test_celery_is_configured_for_safe_delivery(app):
    conf = app.extensions["celery"].conf
    assert conf.task_serializer == "json"
    assert conf.accept_content == ["json"]
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True


@pytest.mark.committed
@pytest.mark.worker
def test_worker_purges_expired_sessions(app, make_user, celery_worker):
    user = make_user("officer")
    now = utcnow()
    db.session.add_all([
        UserSession(token_hash="a" * 64, user_id=user.id, created_dt=now, last_seen_dt=now),
        UserSession(token_hash="b" * 64, user_id=user.id, created_dt=now - timedelta(hours=1),
                    last_seen_dt=now - timedelta(hours=1)),
        UserSession(token_hash="c" * 64, user_id=user.id, created_dt=now, last_seen_dt=now,
                    ended_dt=now),
    ])
    db.session.commit()

    tasks.purge_expired_sessions.delay()

    def only_live_session_left():
        hashes = db.session.scalars(sa.select(UserSession.token_hash)).all()
        db.session.rollback()  # let go of the database while we wait (SQLite has one writer)
        return hashes == ["a" * 64]

    assert _wait_for(only_live_session_left), "the worker did not purge the expired sessions"

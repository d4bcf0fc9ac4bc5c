"""Fixtures of the fault tests: a private Redis, Celery processes on it, a Celery client that
sends tasks as beat does, and other apps in this process (with the suite's globals restored)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from celery import Celery

from config import build_config
from sara import create_app
from sara.actions import service as action_service
from sara.actions.models import Action
from sara.cases.models import ProblemCase
from sara.core.references import person_reference
from sara.core.types import today, utcnow
from sara.extensions import db, limiter
from sara.incidents import service as incident_service
from sara.people import matching
from sara.people.models import Person
from tests.conftest import IS_POSTGRES
from tests.faults.services import Processes, RedisServer, process_env, redis_server_binary


@pytest.fixture(autouse=True)
def _needs_postgres_and_redis_server():
    if not IS_POSTGRES:
        pytest.skip("fault tests run in the PostgreSQL + Redis pass only "
                    "(DATABASE_URL is not a PostgreSQL database)")
    if redis_server_binary() is None:
        pytest.skip("redis-server is not installed: the fault tests start Redis servers of "
                    "their own")


@pytest.fixture
def redis_server(tmp_path) -> RedisServer:
    """A Redis of this test's own (never the machine's shared one), free to stop and start."""
    with RedisServer(tmp_path / "redis") as server:
        yield server


@pytest.fixture
def mail_outbox(tmp_path) -> Path:
    """Where the worker writes each e-mail as an .eml file (MAIL_SERVER is unset)."""
    return tmp_path / "mail"


@pytest.fixture
def processes(tmp_path, app, database_url, redis_server, mail_outbox) -> Processes:
    """Workers and beats on the suite's database (as the runtime role), this test's Redis and
    mail outbox, and the suite's instance folder (uploads); each starts on the test's clock."""
    env = process_env(database_url=database_url, broker_url=redis_server.url,
                      instance_path=Path(app.instance_path), mail_outbox=mail_outbox)
    with Processes(tmp_path / "processes", env, clock=lambda: datetime.now(UTC)) as group:
        yield group


def celery_settings(broker_url: str, **transport) -> dict:
    """The deployment's Celery settings (config.py) on another broker."""
    settings = dict(build_config("test")["CELERY"])
    settings["broker_url"] = broker_url
    settings.pop("task_default_queue", None)
    if transport:
        settings["broker_transport_options"] = {
            **settings.get("broker_transport_options", {}), **transport}
    return settings


@pytest.fixture
def broker(redis_server) -> Celery:
    """Sends tasks to this test's Redis by name, as beat does. Never the current or default
    Celery app, which stays the suite's."""
    client = Celery("fault-tests", set_as_current=False)
    client.config_from_object(celery_settings(redis_server.url))
    yield client
    client.close()


@pytest.fixture
def other_app(app) -> Callable:
    """other_app(**overrides) -> another app in this process, on settings of its own.

    create_app rebinds process-wide things to the newest app: Celery's default and current
    app, and Flask-Limiter's one storage. They are given back to the suite's app afterwards,
    or the tests that run next in this process would use a Redis that is gone."""
    made = []

    def make(**overrides):
        settings = {
            "SERVER_NAME": "localhost", "ARGON2_TIME_COST": 2, "ARGON2_MEMORY_COST": 19456,
            "ARGON2_PARALLELISM": 1, "LOGIN_FAILURES_PER_IP_PER_HOUR": 100_000,
            **overrides,
        }
        other = create_app(settings, env="test")
        made.append(other)
        return other

    yield make
    celery = app.extensions["celery"]
    celery.set_default()
    celery.set_current()
    limiter.init_app(app)
    limiter._storage_dead = False  # the suite's storage was never down
    for other in made:
        with other.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def flaggable(police, make_user, make_case):
    """Committed rows that every full scan flags: an action past its due date (whose owner and
    allocator are notified, and e-mailed), a case past its next review date, and a person who
    was the victim of two ASB incidents this year. Returns the (kind, subject_key) of each flag
    the scans must raise, once, and
    the people notified (id: e-mail address)."""
    allocator = make_user("officer", name="Alice Allocator")
    worker = make_user("officer", name="Wes Worker")
    case = make_case(owner=allocator)
    action = action_service.create_action(case, allocator, {
        "title": "Fix the lighting in the underpass", "description": "", "priority": "high",
        "tactic_category": "situational", "triangle_side": "location",
        "allocation": f"user:{worker.id}", "due_date": today() + timedelta(days=7)})
    person = Person(reference=person_reference(), organisation_id=police.id, name="Vera Victim")
    matching.fill_keys(person)
    db.session.add(person)
    db.session.flush()
    for days_ago in (40, 10):
        incident_service.record_incident(police, allocator, {
            "category": "Rowdy behaviour", "is_asb": True, "location_text": "Underpass",
            "occurred_dt": utcnow() - timedelta(days=days_ago)}, people=[(person, "victim")])
    db.session.commit()
    # Overdue as time passes, not as created (an action cannot be given a past due date).
    db.session.execute(sa.update(Action).where(Action.id == action.id).values(
        due_date=today() - timedelta(days=1), version=Action.version + 1))
    db.session.execute(sa.update(ProblemCase).where(ProblemCase.id == case.id).values(
        next_review_date=today() - timedelta(days=1)))
    db.session.commit()
    return {
        "flags": {("action_overdue", f"action:{action.id}"), ("review_overdue", f"case:{case.id}"),
                  ("repeat_victim", f"person:{person.id}")},
        "notified": {allocator.id: allocator.email, worker.id: worker.email},
        "action_id": action.id,
    }

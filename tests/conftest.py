"""Test fixtures: an app on a migrated database, a per-test rollback, factories and sign-in.

The suite runs on SQLite by default. With DATABASE_URL (PostgreSQL) and REDIS_URL set it runs on
those instead: each pytest worker gets its own scratch database, migrated from empty.
"""

from __future__ import annotations

import functools
import os
import re
from datetime import UTC, datetime
from itertools import count
from pathlib import Path

import pytest
import sqlalchemy as sa
import time_machine
from flask import current_app
from flask.testing import FlaskClient
from flask_migrate import upgrade
from flask_sqlalchemy.session import Session as FlaskSQLAlchemySession

from config import build_config, normalise_database_url
from sara import create_app
from sara.auth.models import User
from sara.auth.passwords import hash_password
from sara.cases import service as case_service
from sara.core.outbox import OutboxMessage
from sara.extensions import db
from sara.orgs.models import Neighbourhood, Organisation

PASSWORD = "correct horse battery staple"

#: Every test starts at this moment, whatever the real date: a Wednesday in the middle of a month,
#: mid-morning in London, in British Summer Time. The clock then ticks on from it. A test that
#: needs another moment (the 1st of a month, midnight, a winter date) moves the `clock` fixture.
FROZEN_NOW = datetime(2026, 6, 17, 8, 30, tzinfo=UTC)
IS_POSTGRES = (os.environ.get("DATABASE_URL") or "").startswith(("postgres", "postgresql"))
#: On PostgreSQL the application connects as this login role, a member of the runtime group role
#: that owns nothing (README, "Database roles"); migrations and emptying tables use the owner.
RUNTIME_LOGIN_ROLE = "sara_test_runtime"
# Migrations must only ever touch the scratch databases, never one a shell happens to name.
os.environ.pop("MIGRATION_DATABASE_URL", None)


def _worker_id() -> str:
    # SARA_TEST_TAG keeps two suites running at once on one machine out of each other's way.
    return os.environ.get("SARA_TEST_TAG", "") + os.environ.get("PYTEST_XDIST_WORKER", "main")


def _scratch_postgres_url(base_url: str) -> str:
    """A database of our own next to the one DATABASE_URL names, created afresh."""
    url = sa.engine.make_url(normalise_database_url(base_url))
    name = f"{url.database}_sara_{_worker_id()}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def ensure_login_role(owner_url: str, role: str, in_role: str | None = None) -> None:
    """Create a login role once, e.g. the test run's in the runtime group the migrations make.

    Roles belong to the whole cluster, so pytest workers and other suites share them and may race
    to create them."""
    from psycopg import errors

    admin = sa.create_engine(owner_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            if conn.scalar(sa.text("SELECT 1 FROM pg_roles WHERE rolname = :role"),
                           {"role": role}):
                return
            try:
                conn.execute(sa.text(f"CREATE ROLE {role} LOGIN"
                                     + (f" IN ROLE {in_role}" if in_role else "")))
            except sa.exc.DBAPIError as exc:
                if not isinstance(exc.orig, (errors.DuplicateObject, errors.UniqueViolation)):
                    raise
    finally:
        admin.dispose()


@pytest.fixture(scope="session")
def owner_database_url(tmp_path_factory) -> str:
    """The test database as the role that owns its tables (the migrations' role)."""
    if IS_POSTGRES:
        return _scratch_postgres_url(os.environ["DATABASE_URL"])
    path = tmp_path_factory.mktemp("db") / "sara-test.sqlite"
    return f"sqlite:///{path}"


@pytest.fixture(scope="session")
def database_url(owner_database_url) -> str:
    """The test database as the application connects to it: on PostgreSQL, the runtime role."""
    if not IS_POSTGRES:
        return owner_database_url
    url = sa.engine.make_url(owner_database_url)
    return url.set(username=RUNTIME_LOGIN_ROLE, password=None).render_as_string(
        hide_password=False)


@pytest.fixture(scope="session")
def instance_path(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("instance")
    os.environ["SARA_INSTANCE_PATH"] = str(path)
    return path


@pytest.fixture(scope="session")
def app(database_url, owner_database_url, instance_path):
    overrides = {
        "SQLALCHEMY_DATABASE_URI": database_url,
        "MIGRATION_DATABASE_URL": owner_database_url if IS_POSTGRES else None,
        "SERVER_NAME": "localhost",
        # The weakest parameters ASVS allows, to keep the suite quick; production uses more.
        "ARGON2_TIME_COST": 2,
        "ARGON2_MEMORY_COST": 19456,
        "ARGON2_PARALLELISM": 1,
        "RATELIMIT_KEY_PREFIX": f"sara-test-{_worker_id()}-{os.getpid()}",
        # Every test client is 127.0.0.1 and every test starts at the same instant, so the
        # per-address failed sign-in count only grows; tests of that limit set their own.
        "LOGIN_FAILURES_PER_IP_PER_HOUR": 100_000,
    }
    celery = dict(build_config("test")["CELERY"])
    # Each pytest worker has its own queue, so one worker's tasks never reach another's database.
    celery["task_default_queue"] = f"sara-test-{_worker_id()}"
    if not os.environ.get("REDIS_URL"):
        celery["broker_url"] = f"sqla+sqlite:///{instance_path / 'broker.sqlite'}"
    overrides["CELERY"] = celery
    app = create_app(overrides, env="test")
    app.test_client_class = _FreshContextClient
    with app.app_context():
        upgrade()
    if IS_POSTGRES:
        ensure_login_role(owner_database_url, RUNTIME_LOGIN_ROLE, in_role="sara_runtime")
    return app


class _FreshContextClient(FlaskClient):
    """Each request gets its own app context, as in production.

    Tests hold an app context open for their factories; without this, Flask would reuse it for
    every request and `g` (which holds the signed-in user) would leak from one request to the next.
    """

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture(autouse=True)
def clock():
    """The test's clock, started at FROZEN_NOW: `clock.move_to(datetime(...))` travels. Patched in
    every thread of this process (a Celery worker started by a test included), not in others."""
    with time_machine.travel(FROZEN_NOW, tick=True) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def _tasks_run_in_the_test_app(app):
    """Tasks named by worker.tasks (shared tasks) run in the current Celery app. Any other Flask
    app a test builds (importing worker.celery_app, a migration test's app) makes its own Celery
    current, so a later test's `task.apply()` would run with that app's settings."""
    celery = app.extensions["celery"]
    celery.set_default()
    celery.set_current()
    yield


@pytest.fixture(autouse=True)
def _broker_not_quiet():
    """A failed hand-over quiets the outbox's fast path for a while, process-wide: one test's
    broker failure must not change what the next test sees."""
    from sara.core import outbox

    outbox._broker_down_until = 0.0
    yield


@pytest.fixture(autouse=True)
def _db_transaction(request, app, clock):
    """Run each test inside a transaction that is rolled back afterwards.

    The app's own commits become savepoint releases, so views behave as in production while
    nothing a test writes survives it. Tests marked `committed` (those where another process,
    such as a Celery worker, must see the data) really commit, and every table is emptied after.
    """
    if request.node.get_closest_marker("committed"):
        with app.app_context():
            try:
                yield
            finally:
                db.session.remove()
                _empty_all_tables()
        return
    with app.app_context():
        connection = db.engine.connect()
        transaction = connection.begin()
        original = db.session
        db.session = db._make_scoped_session(
            {"bind": connection, "join_transaction_mode": "create_savepoint",
             "class_": _ConnectionBoundSession}
        )
        # No limiter.reset(): on Redis it would wipe the other pytest workers' counters. Every
        # test's accounts have unique emails, so their sign-in counters never meet.
        try:
            yield
        finally:
            db.session.remove()
            db.session = original
            transaction.rollback()
            connection.close()


class _ConnectionBoundSession(FlaskSQLAlchemySession):
    """Flask-SQLAlchemy's session picks an engine itself; in tests it must use our connection."""

    def get_bind(self, *args, **kwargs):
        return self.bind


@functools.cache
def _owner_engine(url: str) -> sa.Engine:
    return sa.create_engine(url, poolclass=sa.pool.NullPool)


def _empty_all_tables() -> None:
    owner_url = current_app.config["MIGRATION_DATABASE_URL"]
    with (_owner_engine(owner_url) if owner_url else db.engine).begin() as connection:
        if connection.dialect.name == "postgresql":
            # The audit log's tables refuse DELETE and TRUNCATE by trigger; only their owner (the
            # application's runtime role may do neither) may switch that off, and only inside
            # this transaction.
            guarded = connection.scalars(sa.text(
                "SELECT DISTINCT tgrelid::regclass::text FROM pg_trigger "
                "WHERE NOT tgisinternal")).all()
            for table in guarded:
                connection.execute(sa.text(f"ALTER TABLE {table} DISABLE TRIGGER USER"))
            names = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
            connection.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            for table in guarded:
                connection.execute(sa.text(f"ALTER TABLE {table} ENABLE TRIGGER USER"))
            return
        for table in reversed(db.metadata.sorted_tables):
            connection.execute(table.delete())


_OTHER_ENGINES: dict = {}


def seen_by_another_process(statement):
    """What a fresh connection of another process (a worker) would read now: only committed
    rows. On an engine of its own without the app's SQLite begin hook, so reading never waits on
    a write lock the test's own request may hold."""
    url = db.engine.url
    if url not in _OTHER_ENGINES:
        _OTHER_ENGINES[url] = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with _OTHER_ENGINES[url].connect() as connection:
        return connection.scalar(statement)


def intercept_task(app, monkeypatch, name: str, handle) -> None:
    """Call `handle(*args)` instead of handing the task `name` (e.g. "check_people") to the
    broker; every other task is handed over as usual."""
    celery = app.extensions["celery"]
    real = celery.send_task

    def send_task(task, args=(), kwargs=None, **options):
        if task.removeprefix("worker.tasks.") == name:
            return handle(*args)
        return real(task, args=args, kwargs=kwargs, **options)

    monkeypatch.setattr(celery, "send_task", send_task)


@pytest.fixture
def sent_tasks(app, monkeypatch):
    """The tasks the outbox hands to the broker, as (task name, args), in order; nothing really
    leaves. `sent_tasks.named(name)` gives the args of one task's messages."""

    class Sent(list):
        def named(self, name: str) -> list:
            return [args for task, args in self if task == name.rsplit(".", 1)[-1]
                    or task == name]

    sent = Sent()
    celery = app.extensions["celery"]

    def send_task(name, args=(), kwargs=None, **_options):
        sent.append((name.removeprefix("worker.tasks."), list(args)))

    monkeypatch.setattr(celery, "send_task", send_task)
    return sent


@pytest.fixture
def queued_checks(app):
    """The people whose flag checks a change put in the outbox (for the worker, once it
    commits), one set per message, in order."""
    class Queued:
        def _messages(self) -> list[set]:
            return [set(args[0]) for args in db.session.scalars(
                sa.select(OutboxMessage.args)
                .where(OutboxMessage.task == "worker.tasks.check_people")
                .order_by(OutboxMessage.id))]

        def __eq__(self, other):
            return self._messages() == other

        def __contains__(self, ids):
            return ids in self._messages()

        def __iter__(self):
            return iter(self._messages())

        def __len__(self):
            return len(self._messages())

        def __repr__(self):
            return repr(self._messages())

    return Queued()


@pytest.fixture
def celery_worker(app):
    """A real Celery worker (in a thread) consuming this test run's queue on the real broker."""
    from celery.contrib.testing.worker import start_worker

    celery = app.extensions["celery"]
    with celery.connection_for_write() as connection:
        # Messages left by earlier tests refer to rows that were rolled back.
        connection.default_channel.queue_purge(celery.conf.task_default_queue)
    with start_worker(celery, pool="solo", perform_ping_check=False, shutdown_timeout=10,
                      loglevel="WARNING"):
        yield celery


@pytest.fixture
def client(app):
    return app.test_client()


# --- factories ---------------------------------------------------------------------------------

_seq = count(1)
_HASHES: dict[str, str] = {}


def _hash(password: str) -> str:
    if password not in _HASHES:
        _HASHES[password] = hash_password(password)
    return _HASHES[password]


@pytest.fixture
def make_org():
    def make(name: str | None = None, kind: str = "police", neighbourhoods=("Central",)):
        org = Organisation(name=name or f"Organisation {next(_seq)}", kind=kind)
        db.session.add(org)
        if kind == "police":
            for n in neighbourhoods:
                db.session.add(Neighbourhood(name=n, organisation=org))
        db.session.flush()
        return org

    return make


@pytest.fixture
def police(make_org):
    return make_org("Test Constabulary", neighbourhoods=("Central", "Northside", "Riverside"))


@pytest.fixture
def make_user(police):
    def make(role: str = "officer", org=None, name: str | None = None, email: str | None = None,
             password: str = PASSWORD, enabled: bool = True):
        n = next(_seq)
        user = User(
            email=(email or f"user{n}@example.org").lower(),
            name=name or f"Test {role.replace('_', ' ').title()} {n}",
            role=role,
            organisation=org or police,
            password_hash=_hash(password),
            is_enabled=enabled,
        )
        db.session.add(user)
        db.session.flush()
        return user

    return make


@pytest.fixture
def officer(make_user):
    return make_user("officer", name="Olivia Officer")


@pytest.fixture
def make_case(officer):
    def make(owner=None, **values):
        owner = owner or officer
        neighbourhood = values.pop("neighbourhood", None) or owner.organisation.neighbourhoods[0]
        defaults = {
            "title": f"Problem {next(_seq)}",
            "problem_type": "asb_youth",
            "neighbourhood_id": neighbourhood.id,
            "location_text": "Market Square",
            "latitude": None,
            "longitude": None,
            "description": "Groups gathering and shouting late at night.",
        }
        stage_fields = {k: values.pop(k) for k in list(values) if k.startswith(("scan_", "analysis_"))}
        defaults.update(values)
        case = case_service.create_case(owner, defaults)
        if stage_fields:
            case_service.update_fields(case, owner, stage_fields, case.version)
        db.session.flush()
        return case

    return make


# --- signing in --------------------------------------------------------------------------------

_CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


def csrf_token(client, path: str = "/login") -> str:
    html = client.get(path, follow_redirects=True).get_data(as_text=True)
    match = _CSRF.search(html)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def login(client, user_or_email, password: str = PASSWORD, follow: bool = False):
    email = getattr(user_or_email, "email", user_or_email)
    token = csrf_token(client, "/login")
    return client.post(
        "/login", data={"email": email, "password": password, "csrf_token": token},
        follow_redirects=follow,
    )


class Browser:
    """A signed-in test client that fills in the CSRF token like a real form would."""

    def __init__(self, client, user):
        self.client = client
        self.user = user
        response = login(client, user)
        assert response.status_code == 302, response.get_data(as_text=True)
        self._token = csrf_token(client, "/")

    def get(self, path, **kwargs):
        return self.client.get(path, **kwargs)

    def post(self, path, data=None, csrf: bool = True, **kwargs):
        data = dict(data or {})
        if csrf:
            data.setdefault("csrf_token", self._token)
        return self.client.post(path, data=data, **kwargs)


@pytest.fixture
def browser(app):
    """browser(user) -> a signed-in Browser with its own cookie jar."""

    def make(user):
        return Browser(app.test_client(), user)

    return make


class ApiClient:
    """A test client that sends one user's bearer token with every request:
    api.get(path), api.post(path, json=...), or api("PATCH", path, etag=..., json=...)."""

    def __init__(self, client, token: str, user):
        self.client = client
        self.token = token
        self.user = user

    def _headers(self, headers, etag=None):
        headers = {"Authorization": f"Bearer {self.token}", **(headers or {})}
        if etag is not None:
            headers["If-Match"] = etag
        return headers

    def __call__(self, method, path, etag=None, headers=None, **kwargs):
        return self.client.open(path, method=method, headers=self._headers(headers, etag),
                                **kwargs)

    def open(self, path, method, **kwargs):
        return self(method, path, **kwargs)

    def get(self, path, **kwargs):
        return self("GET", path, **kwargs)

    def post(self, path, json=None, **kwargs):
        return self("POST", path, json=json, **kwargs)

    def patch(self, path, json=None, **kwargs):
        return self("PATCH", path, json=json, **kwargs)


@pytest.fixture
def api(app):
    """api(user) -> an ApiClient with a fresh personal token of `user`."""
    from sara.api import tokens

    def make(user):
        _, token = tokens.create_token(user, "test")
        db.session.commit()
        return ApiClient(app.test_client(), token, user)

    return make

"""The app served for real, as bin/run serves it, for tests that need real concurrency.

`LiveServer` migrates a database, loads the demo data, gives every demo user one known password
(and each an API token), then runs gunicorn with 1 worker and 8 threads on 127.0.0.1 on a free
port, optionally with a Celery worker and beat, and stops them by their pids. By default the
database is a SQLite file in a temporary instance folder with the embedded broker next to it:
exactly the embedded default. `scratch_postgres()` gives a PostgreSQL database of its own
instead, which the server reaches as the runtime role, as production does.

`WebUser` signs in through the sign-in form and posts forms with the CSRF token; `ApiUser`
sends a bearer token. Both are plain `requests` sessions: one per thread.

Nothing here uses the test's app, session or transaction: the server is another process, and
sees only what it commits itself.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import requests
import sqlalchemy as sa

from config import normalise_database_url

#: The checkout to serve: this one, or (SARA_LIVE_ROOT) a worktree of another commit, to compare
#: the same test's numbers before and after a change.
ROOT = Path(os.environ.get("SARA_LIVE_ROOT") or Path(__file__).resolve().parent.parent)
BIN = Path(sys.executable).parent
PASSWORD = "live server password 12345"
#: Demo users by role (sara/demo/seed.py)
OFFICERS = ("sarah.whitfield@lincs-police.example.org", "daniel.okafor@lincs-police.example.org")
SUPERVISOR = "helen.marsh@lincs-police.example.org"
CALL_HANDLER = "gareth.pryce@lincs-police.example.org"
#: Long enough for a request that queues behind every other writer on SQLite's lock
TIMEOUT = 90

_CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')
_CASE_LINK = re.compile(r'href="/cases/(PS-\d{4}-\d{5})"')

#: Run in the server's environment once the demo is loaded: one known password for every demo
#: user (the seed prints random ones), nobody made to change it first, and a token for each.
_PREPARE_USERS = f"""
import json
import sqlalchemy as sa
from sara import create_app
from sara.api.tokens import create_token
from sara.auth.models import User
from sara.auth.passwords import hash_password
from sara.extensions import db

app = create_app()
with app.app_context():
    hashed = hash_password({PASSWORD!r})
    tokens = {{}}
    for user in db.session.scalars(sa.select(User)):
        user.password_hash = hashed
        user.must_change_password = False
        tokens[user.email] = create_token(user, "live server test")[1]
    db.session.commit()
    print(json.dumps(tokens))
"""


def has_gunicorn() -> bool:
    return (BIN / "gunicorn").exists()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """gunicorn (and optionally a Celery worker and beat) on a database of its own.

    `database_url` None means SQLite in `instance`; `migration_url` is the role that owns the
    tables (PostgreSQL), used for `flask db upgrade` only; `redis_url` None means the embedded
    broker in `instance`. `root` is the checkout to serve (a
    worktree of an older commit, to measure what changed).
    """

    def __init__(self, instance: Path, database_url: str | None = None,
                 migration_url: str | None = None, *, with_worker: bool = False,
                 redis_url: str | None = None, root: Path = ROOT, threads: int = 8):
        self.instance = Path(instance)
        self.instance.mkdir(parents=True, exist_ok=True)
        self.root = Path(root)
        self.port = free_port()
        self.with_worker = with_worker
        self.threads = threads
        self.tokens: dict[str, str] = {}
        self.processes: list[subprocess.Popen] = []
        self.log_path = self.instance / "server.log"
        # Nothing of the suite's own configuration reaches the server: no Redis (its broker is
        # the embedded one in the instance folder, so no other process ever takes its tasks),
        # no test database, development settings as bin/run has them.
        env = {k: v for k, v in os.environ.items()
               if k not in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL",
                            "MIGRATION_DATABASE_URL", "SECRET_KEY")}
        env.update(SARA_ENV="development", SARA_INSTANCE_PATH=str(self.instance),
                   PYTHONPATH=str(self.root), PYTHONUNBUFFERED="1")
        if database_url:
            env["DATABASE_URL"] = database_url
        if migration_url:
            env["MIGRATION_DATABASE_URL"] = migration_url
        if redis_url:
            # Broker and rate limits in Redis, as production has them; the caller gives it a
            # database number of its own, so no other process takes its tasks.
            env["REDIS_URL"] = redis_url
            env["RATELIMIT_KEY_PREFIX"] = f"sara-live-{self.port}"
        self.env = env

    # --- life cycle ----------------------------------------------------------------------------

    def _run(self, *command, capture: bool = False) -> str:
        result = subprocess.run(command, cwd=self.root, env=self.env, capture_output=True,
                                text=True, timeout=600)
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(map(str, command[:4]))} failed:\n{result.stderr[-3000:]}")
        return result.stdout if capture else ""

    def prepare(self) -> None:
        """Migrate, load the demo data, and set the users' password and tokens."""
        flask = BIN / "flask"
        self._run(flask, "--app", "wsgi", "db", "upgrade")
        owner_url = self.env.pop("MIGRATION_DATABASE_URL", None)
        if owner_url:
            # The server's login, in the group role the migrations granted everything to.
            from tests.conftest import ensure_login_role

            runtime = sa.engine.make_url(self.env["DATABASE_URL"]).username
            ensure_login_role(normalise_database_url(owner_url), runtime, in_role="sara_runtime")
        self._run(flask, "--app", "wsgi", "sara", "seed-demo")
        output = self._run(BIN / "python", "-c", _PREPARE_USERS, capture=True)
        self.tokens = json.loads(output.strip().splitlines()[-1])

    def start(self) -> LiveServer:
        self.prepare()
        log = open(self.log_path, "a")  # noqa: SIM115 - the processes write to it until stopped
        if self.with_worker:
            for command in (["worker", "--concurrency=2", "--pool=prefork"],
                            ["beat", "--schedule", str(self.instance / "celerybeat-schedule")]):
                self._spawn([BIN / "celery", "-A", "worker.celery_app", *command,
                             "--loglevel=WARNING"], log)
        # As bin/run serves it: one process, eight threads, its access log format (a checkout
        # from before gunicorn.conf.py has none).
        config = self.root / "gunicorn.conf.py"
        self._spawn([BIN / "gunicorn", *(["--config", config] if config.exists() else []),
                     "--bind", f"127.0.0.1:{self.port}", "--workers", "1",
                     "--threads", str(self.threads), "--access-logfile", "-",
                     "--graceful-timeout", "10", "wsgi:app"], log)
        log.close()
        self._wait_until_up()
        return self

    def _spawn(self, command, log) -> None:
        # A session of its own, so that Ctrl-C in pytest reaches the server only through stop().
        self.processes.append(subprocess.Popen(
            command, cwd=self.root, env=self.env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True))

    def _wait_until_up(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for process in self.processes:
                if process.poll() is not None:
                    self.stop()
                    raise RuntimeError(f"{process.args[0]} exited:\n{self.log_tail()}")
            with contextlib.suppress(requests.RequestException):
                if requests.get(self.url("/healthz"), timeout=5).status_code == 200:
                    return
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"the server did not answer within {timeout:.0f} s:\n{self.log_tail()}")

    def stop(self) -> None:
        """SIGTERM to each process by its pid (gunicorn and Celery stop their own children),
        then SIGKILL to its process group if it is still there after 20 s."""
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        self.processes.clear()

    def __enter__(self) -> LiveServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # --- use -----------------------------------------------------------------------------------

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def log_tail(self, characters: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-characters:]
        except OSError:
            return "(no log)"

    def server_errors(self) -> list[str]:
        """The log's tracebacks and "Unhandled error" lines, to explain a 5xx."""
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return [block for block in text.split("\n\n") if "Traceback" in block or "ERROR" in block]

    def web(self, email: str) -> WebUser:
        return WebUser(self, email)

    def api(self, email: str) -> ApiUser:
        return ApiUser(self, self.tokens[email])


class WebUser:
    """A browser: signs in with the form's CSRF token, then sends that token with every POST."""

    def __init__(self, server: LiveServer, email: str, password: str = PASSWORD):
        self.server = server
        self.email = email
        self.http = _session()
        page = self.http.get(server.url("/login"), timeout=TIMEOUT)
        response = self.http.post(server.url("/login"), timeout=TIMEOUT, allow_redirects=False,
                                  data={"email": email, "password": password,
                                        "csrf_token": form_token(page.text)})
        if response.status_code != 302:
            raise AssertionError(f"{email} could not sign in: {response.status_code}")
        # The token belongs to the session (it does not expire with time), so one does.
        self.token = form_token(self.http.get(server.url("/"), timeout=TIMEOUT).text)

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.http.get(self.server.url(path), timeout=TIMEOUT, **kwargs)

    def post(self, path: str, data: dict | list | None = None, **kwargs) -> requests.Response:
        fields = list(data.items()) if isinstance(data, dict) else list(data or [])
        kwargs.setdefault("allow_redirects", False)
        return self.http.post(self.server.url(path), data=[("csrf_token", self.token), *fields],
                              timeout=TIMEOUT, **kwargs)

    def case_references(self) -> list[str]:
        """The cases on the user's case list (first page of 100)."""
        page = self.get("/cases", params={"per_page": 100, "status": "open"}).text
        return list(dict.fromkeys(_CASE_LINK.findall(page)))


class ApiUser:
    """The JSON API with one user's bearer token."""

    def __init__(self, server: LiveServer, token: str):
        self.server = server
        self.http = _session()
        self.http.headers["Authorization"] = f"Bearer {token}"

    def request(self, method: str, path: str, etag: str | None = None,
                **kwargs) -> requests.Response:
        headers = kwargs.pop("headers", {})
        if etag is not None:
            headers["If-Match"] = etag
        return self.http.request(method, self.server.url("/api/v1" + path), headers=headers,
                                 timeout=TIMEOUT, **kwargs)

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.request("GET", path, **kwargs)


def _session() -> requests.Session:
    """A client that opens a connection per request. A kept-alive connection that gunicorn
    closes (after its 2 s keep-alive) just as the client sends on it fails with "Remote end
    closed connection without response", which a browser retries and requests does not: the
    tests' users often wait longer than that (for others to sign in) before they post."""
    session = requests.Session()
    session.headers["Connection"] = "close"
    return session


def form_token(html: str) -> str:
    match = _CSRF.search(html)
    if not match:
        raise AssertionError("no CSRF token on the page")
    return match.group(1)


# --- a PostgreSQL database of the server's own ----------------------------------------------------

@contextlib.contextmanager
def scratch_postgres(base_url: str, name: str) -> Iterator[tuple[str, str]]:
    """A new database `name` next to the one `base_url` names, dropped afterwards. Yields the
    owner's URL (for migrations) and the runtime login's (for the server)."""
    from tests.conftest import RUNTIME_LOGIN_ROLE

    url = sa.engine.make_url(normalise_database_url(base_url))
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    owner = url.set(database=name)
    runtime = owner.set(username=RUNTIME_LOGIN_ROLE, password=None)
    try:
        yield (owner.render_as_string(hide_password=False),
               runtime.render_as_string(hide_password=False))
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def remove_instance(instance: Path) -> None:
    shutil.rmtree(instance, ignore_errors=True)

"""Private servers and Celery processes for the fault tests.

Everything here is started here and stopped here by its own process id, never by name: a
`redis-server` on a free port, a PostgreSQL cluster of its own (initdb into a temporary folder,
pg_ctl on a free port), and Celery workers and beats pointed at a given database, broker and
instance folder. Each is a context manager that cleans up (processes killed, folders removed)
even when the test fails. The machine's shared PostgreSQL (5432) and Redis (6379) are never
stopped or reconfigured.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
#: Read by tests/faults/entry.py: the moment a subprocess's clock starts from (the test's own,
#: frozen and ticking: tests/conftest.py)
CLOCK_VARIABLE = "SARA_FAULTS_CLOCK"
#: Settings of the test process that must not leak into the processes it starts
_NOT_PASSED = ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "MIGRATION_DATABASE_URL",
               "MAIL_SERVER", "MAIL_OUTBOX", "SARA_INSTANCE_PATH", "PYTEST_XDIST_WORKER",
               "PYTEST_CURRENT_TEST", CLOCK_VARIABLE)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate: Callable[[], object], timeout: float, interval: float = 0.1):
    """Poll `predicate` until it answers something true (returned) or `timeout` seconds pass
    (False). Never a fixed sleep: on a loaded machine things take as long as they take."""
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            state = stat.read().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False
    return state != "Z"


def children_of(pid: int) -> list[int]:
    """The live child processes of `pid` (from /proc: no psutil needed)."""
    children = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            children.append(int(entry))
    return sorted(children)


def _signal(pid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signum)


def _stop_process(process: subprocess.Popen, signum: int = signal.SIGTERM,
                  timeout: float = 20) -> None:
    """Signal one process we started, wait for it, and SIGKILL it (and any children it left)
    if it does not go."""
    if process.poll() is not None:
        return
    children = children_of(process.pid)
    _signal(process.pid, signum)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        children = sorted({*children, *children_of(process.pid)})
        _signal(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    for child in children:
        if _alive(child):
            _signal(child, signal.SIGKILL)


# --- Redis ---------------------------------------------------------------------------------------

def redis_server_binary() -> str | None:
    return shutil.which("redis-server")


class RedisServer:
    """A `redis-server` of our own on 127.0.0.1 and a free port, nothing persisted; stop() and
    start() again bring it back on the same port (an outage, then recovery)."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def ping(self) -> bool:
        import redis

        client = redis.Redis(host="127.0.0.1", port=self.port, socket_connect_timeout=0.5,
                             socket_timeout=0.5)
        try:
            return bool(client.ping())
        except redis.RedisError:
            return False
        finally:
            client.close()

    def start(self, timeout: float = 20) -> RedisServer:
        binary = redis_server_binary()
        assert binary, "redis-server is not installed"
        with open(self.folder / "redis.log", "a") as log:
            self.process = subprocess.Popen(
                [binary, "--bind", "127.0.0.1", "--port", str(self.port), "--save", "",
                 "--appendonly", "no", "--dir", str(self.folder), "--daemonize", "no"],
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        if not wait_for(lambda: self.ping() or self.process.poll() is not None, timeout) \
                or self.process.poll() is not None:
            self.stop()
            raise RuntimeError(f"redis-server did not start on port {self.port}:\n"
                               f"{(self.folder / 'redis.log').read_text()[-2000:]}")
        return self

    def stop(self) -> None:
        """SIGTERM to our redis-server (it saves nothing), and wait until it is gone."""
        if self.process is not None:
            _stop_process(self.process, signal.SIGTERM, timeout=15)
            self.process = None

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def __enter__(self) -> RedisServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


# --- PostgreSQL ----------------------------------------------------------------------------------

def postgres_bin() -> Path | None:
    """Debian's PostgreSQL binaries, the newest version installed."""
    found = glob.glob("/usr/lib/postgresql/*/bin/initdb")
    if not found:
        return None

    def version(path: str) -> tuple:
        number = Path(path).parent.parent.name
        return tuple(int(p) for p in number.split(".") if p.isdigit())

    return Path(max(found, key=version)).parent


def postgres_unavailable_reason() -> str | None:
    """Why a private PostgreSQL cluster cannot be run here, or None."""
    if postgres_bin() is None:
        return "initdb is not installed (/usr/lib/postgresql/*/bin)"
    if os.geteuid() == 0:
        if shutil.which("runuser") is None:
            return "runuser is missing (initdb refuses to run as root)"
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "there is no postgres OS user (initdb refuses to run as root)"
    return None


def _as_postgres(command: list[str]) -> list[str]:
    # initdb and pg_ctl refuse to run as root.
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return command


class PostgresCluster:
    """A PostgreSQL cluster of our own: initdb into a temporary folder (owned by the postgres OS
    user when we are root), listening on 127.0.0.1 and a free port, trust authentication. stop()
    and start() again bring it back on the same port and data."""

    def __init__(self):
        self.bin = postgres_bin()
        assert self.bin is not None, "initdb is not installed"
        # Under /tmp, not pytest's tmp_path: its parents are private to root, and the postgres
        # user must reach the data folder.
        self.folder = Path(tempfile.mkdtemp(prefix="sara-faults-pg-"))
        self.data = self.folder / "data"
        self.sockets = self.folder / "run"
        self.log = self.folder / "postgres.log"
        self.port = free_port()

    def _run(self, *command: str, timeout: float = 120) -> str:
        result = subprocess.run(_as_postgres([str(self.bin / command[0]), *command[1:]]),
                                capture_output=True, text=True, timeout=timeout,
                                cwd=self.folder)
        if result.returncode != 0:
            log = self.log.read_text()[-2000:] if self.log.exists() else ""
            raise RuntimeError(f"{command[0]} failed ({result.returncode}):\n{result.stdout}\n"
                               f"{result.stderr}\n{log}")
        return result.stdout

    def init(self) -> None:
        self.sockets.mkdir()
        if os.geteuid() == 0:
            owner = pwd.getpwnam("postgres")
            for path in (self.folder, self.sockets):
                os.chown(path, owner.pw_uid, owner.pw_gid)
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8",
                  "--no-locale", "--no-sync", "--no-instructions")

    def start(self) -> None:
        options = (f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.sockets} "
                   "-c fsync=off -c synchronous_commit=off -c full_page_writes=off")
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w",
                  "-t", "60", "start")

    def stop(self, mode: str = "fast") -> None:
        """Stop the server: `fast` ends every connection at once, as a database restart or a
        failover does."""
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")

    def postmaster_pid(self) -> int | None:
        try:
            return int((self.data / "postmaster.pid").read_text().split()[0])
        except (FileNotFoundError, ValueError, IndexError):
            return None

    @property
    def running(self) -> bool:
        pid = self.postmaster_pid()
        return pid is not None and _alive(pid)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        engine = sa.create_engine(self.url(), isolation_level="AUTOCOMMIT",
                                  poolclass=sa.pool.NullPool)
        try:
            with engine.connect() as connection:
                connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
        finally:
            engine.dispose()
        return self.url(name)

    def cleanup(self) -> None:
        """Stop the server whatever state it is in (pg_ctl, then SIGKILL to the postmaster and
        its children by pid), and remove its folder."""
        if self.running:
            with contextlib.suppress(RuntimeError, subprocess.TimeoutExpired):
                self.stop("immediate")
        pid = self.postmaster_pid()
        if pid is not None and _alive(pid):
            children = children_of(pid)
            _signal(pid, signal.SIGKILL)
            for child in children:
                _signal(child, signal.SIGKILL)
            wait_for(lambda: not _alive(pid), 10)
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> PostgresCluster:
        try:
            self.init()
            self.start()
        except BaseException:
            self.cleanup()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.cleanup()


# --- Celery --------------------------------------------------------------------------------------

def process_env(*, database_url: str, broker_url: str, instance_path: Path, mail_outbox: Path,
                clock: datetime | None = None, **extra: object) -> dict[str, str]:
    """The environment of a worker or beat: the given database, broker (also REDIS_URL), instance
    folder and mail outbox, test settings, and the test's clock."""
    env = {k: v for k, v in os.environ.items() if k not in _NOT_PASSED}
    env.update(SARA_ENV="test", DATABASE_URL=database_url, REDIS_URL=broker_url,
               SARA_INSTANCE_PATH=str(instance_path), MAIL_OUTBOX=str(mail_outbox),
               PYTHONPATH=str(ROOT), PYTHONUNBUFFERED="1")
    if clock is not None:
        env[CLOCK_VARIABLE] = clock.isoformat()
    env.update({name: str(value) for name, value in extra.items()})
    return env


class CeleryProcess:
    """`celery -A <module> worker|beat ...` in a session of its own, logging to a file."""

    def __init__(self, module: str, command: list[str], env: dict[str, str], log_path: Path):
        self.module = module
        self.command = command
        self.env = env
        self.log_path = Path(log_path)
        self.process: subprocess.Popen | None = None

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def start(self) -> CeleryProcess:
        with open(self.log_path, "a") as log:
            self.process = subprocess.Popen(
                [str(BIN / "celery"), "-A", self.module, *self.command], cwd=ROOT,
                env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        return self

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def wait_for_log(self, text: str, timeout: float = 60, after: int = 0) -> bool:
        """Wait until `text` appears in the log (past offset `after`); False if the process
        exits first or the time runs out."""
        def seen():
            if text in self.log()[after:]:
                return True
            return None if self.running else "exited"

        return wait_for(seen, timeout) is True

    def pool_children(self) -> list[int]:
        return children_of(self.pid) if self.running else []

    def kill(self) -> None:
        """SIGKILL to the process and its pool children, as when its machine or container dies:
        nothing of it runs any more, and nothing could acknowledge or give back its message."""
        assert self.process is not None
        children = self.pool_children()
        _signal(self.process.pid, signal.SIGKILL)
        for child in children:
            _signal(child, signal.SIGKILL)
        self.process.wait(timeout=10)
        wait_for(lambda: not any(_alive(c) for c in children), 10)

    def stop(self) -> None:
        if self.process is not None:
            # TERM is a warm shutdown (the task in hand finishes); a paused one is killed later.
            _stop_process(self.process, signal.SIGTERM, timeout=15)


class Processes:
    """The Celery processes a test starts: `worker(...)`, `beat(...)`; all stopped by their pids
    when the `with` block ends, however it ends."""

    def __init__(self, folder: Path, env: dict[str, str],
                 clock: Callable[[], datetime] | None = None):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.env = env
        self.clock = clock
        self.started: list[CeleryProcess] = []

    def _start(self, name: str, module: str, command: list[str], env: dict | None):
        env = {**self.env, **(env or {})}
        if self.clock is not None:
            # The test's clock now, not when the group was made: the test may have moved it.
            env[CLOCK_VARIABLE] = self.clock().isoformat()
        process = CeleryProcess(module, command, env, self.folder / f"{name}.log")
        self.started.append(process.start())
        return process

    def worker(self, module: str = "tests.faults.entry", *, name: str = "worker",
               concurrency: int = 1, env: dict | None = None,
               wait: bool = True) -> CeleryProcess:
        """A prefork worker (its pool children are separate processes, as in production)."""
        process = self._start(name, module, [
            "worker", "--pool=prefork", f"--concurrency={concurrency}", "--loglevel=INFO",
            "--without-gossip", "--without-mingle", "--without-heartbeat",
            "--hostname", f"{name}-{os.getpid()}@%h"], env)
        if wait and not process.wait_for_log(" ready.", timeout=90):
            raise RuntimeError(f"the Celery worker {name} did not start:\n{process.log()[-3000:]}")
        return process

    def beat(self, module: str = "tests.faults.entry", *, name: str = "beat",
             env: dict | None = None) -> CeleryProcess:
        # Each beat keeps its own schedule file, as two beats on two machines would.
        return self._start(name, module, [
            "beat", "--loglevel=INFO", "--schedule", str(self.folder / f"{name}-schedule")], env)

    def logs(self) -> str:
        """The tail of every process's log, for a failing assertion's message."""
        return "\n".join(f"--- {p.log_path.name}\n{p.log()[-4000:]}" for p in self.started)

    def stop_all(self) -> None:
        for process in reversed(self.started):
            process.stop()

    def __enter__(self) -> Processes:
        return self

    def __exit__(self, *exc) -> None:
        self.stop_all()


def emails(mail_outbox: Path) -> list[Path]:
    """The e-mails the worker wrote (one .eml file each: MAIL_SERVER is unset)."""
    return sorted(mail_outbox.glob("*.eml")) if mail_outbox.exists() else []

"""The embedded default under concurrent users, served as bin/run serves it.

Starts, in a temporary instance folder: migrations, the demo seed, gunicorn (1 worker, 8 threads)
on SQLite with the embedded broker, a Celery worker and beat. Then N users (officers, the
supervisor, the call handler, in turn) each sign in and, for D seconds, open case pages, look
callers up, search, and add notes to cases. Reports, per kind of request, how many answered 5xx
and the latency percentiles, as Markdown.

    .venv/bin/python bench/bench_concurrency.py --users 2 8 --seconds 30 [--no-worker]

Nothing here is asserted: tests/faults/ holds the test of the same thing.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv" / "bin"
PASSWORD = "bench password 12345"
USERS = ["sarah.whitfield@lincs-police.example.org", "daniel.okafor@lincs-police.example.org",
         "helen.marsh@lincs-police.example.org", "gareth.pryce@lincs-police.example.org"]
CASE_WORKERS = set(USERS[:3])
NAMES = ["Amira", "Larkspur", "Edna", "Smith", "Okafor", "Wintersgill", "Nobody"]
WORDS = ["drinking", "graffiti", "noise", "lighting", "bikes", "litter"]
_CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')
_CASE = re.compile(r"/cases/(PS-\d{4}-\d{5})\"")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env(instance: Path) -> dict:
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL")}
    env.update(SARA_ENV="development", SARA_INSTANCE_PATH=str(instance), PYTHONPATH=str(ROOT))
    return env


SET_PASSWORDS = f"""
import sqlalchemy as sa
from sara import create_app
from sara.auth.models import User
from sara.auth.passwords import hash_password
from sara.extensions import db
app = create_app()
with app.app_context():
    hashed = hash_password({PASSWORD!r})
    for user in db.session.scalars(sa.select(User)):
        user.password_hash = hashed
        if hasattr(user, "must_change_password"):
            user.must_change_password = False
    db.session.commit()
"""


class Server:
    def __init__(self, with_worker: bool):
        self.instance = Path(tempfile.mkdtemp(prefix="sara-bench-"))
        self.env = _env(self.instance)
        self.port = _free_port()
        self.processes: list[subprocess.Popen] = []
        self.with_worker = with_worker

    def _flask(self, *args):
        subprocess.run([VENV / "flask", "--app", "wsgi", *args], cwd=ROOT, env=self.env,
                       check=True, stdout=subprocess.DEVNULL)

    def start(self):
        self._flask("db", "upgrade")
        self._flask("sara", "seed-demo")
        subprocess.run([VENV / "python", "-c", SET_PASSWORDS], cwd=ROOT, env=self.env,
                       check=True)
        log = open(self.instance / "server.log", "w")  # noqa: SIM115
        if self.with_worker:
            for command in (["worker", "--concurrency=2"],
                            ["beat", "--schedule", str(self.instance / "beat-schedule")]):
                self.processes.append(subprocess.Popen(
                    [VENV / "celery", "-A", "worker.celery_app", *command, "--loglevel=WARNING"],
                    cwd=ROOT, env=self.env, stdout=log, stderr=log))
        self.processes.append(subprocess.Popen(
            [VENV / "gunicorn", "--config", ROOT / "gunicorn.conf.py",
             "--bind", f"127.0.0.1:{self.port}", "--workers", "1", "--threads", "8", "wsgi:app"], cwd=ROOT, env=self.env, stdout=log, stderr=log))
        for _ in range(150):
            try:
                requests.get(self.url("/login"), timeout=10)
                return
            except (requests.ConnectionError, requests.Timeout):
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not start; see " + str(self.instance / "server.log"))

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def stop(self):
        for process in self.processes:
            process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        shutil.rmtree(self.instance, ignore_errors=True)


def _user_loop(server: Server, email: str, until: float, results: dict, lock: threading.Lock):
    http = requests.Session()
    page = http.get(server.url("/login")).text
    http.post(server.url("/login"), data={"email": email, "password": PASSWORD,
                                          "csrf_token": _CSRF.search(page).group(1)})
    listing = http.get(server.url("/cases?per_page=100")).text
    cases = _CASE.findall(listing) or ["PS-2026-00001"]
    token = _CSRF.search(http.get(server.url("/")).text).group(1)
    kinds = ["case page", "lookup", "search"] + (["note"] if email in CASE_WORKERS else [])
    while time.monotonic() < until:
        kind = random.choice(kinds)
        reference = random.choice(cases)
        started = time.monotonic()
        if kind == "case page":
            response = http.get(server.url(f"/cases/{reference}"))
        elif kind == "lookup":
            response = http.post(server.url("/lookup"),
                                 data={"name": random.choice(NAMES), "csrf_token": token})
        elif kind == "search":
            response = http.get(server.url("/search"), params={"q": random.choice(WORDS)})
        else:
            response = http.post(server.url(f"/cases/{reference}/notes"),
                                 data={"text": "Bench note", "csrf_token": token},
                                 allow_redirects=False)
        elapsed = time.monotonic() - started
        with lock:
            results[kind].append((response.status_code, elapsed))


def run(users: int, seconds: float, with_worker: bool) -> dict:
    server = Server(with_worker)
    server.start()
    results: dict = defaultdict(list)
    lock = threading.Lock()
    until = time.monotonic() + seconds
    threads = [threading.Thread(target=_user_loop,
                                args=(server, USERS[i % len(USERS)], until, results, lock))
               for i in range(users)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        server.stop()
    return results


def _report(users: int, results: dict) -> list[str]:
    lines = [f"### {users} concurrent users", "",
             "| request | answered | 5xx | share 5xx | p50 ms | p95 ms |", "|---|---|---|---|---|---|"]
    for kind in ("case page", "lookup", "search", "note"):
        rows = results.get(kind, [])
        if not rows:
            continue
        errors = sum(1 for status, _ in rows if status >= 500)
        times = sorted(t * 1000 for _, t in rows)
        p95 = times[int(len(times) * 0.95) - 1] if len(times) >= 20 else max(times)
        lines.append(f"| {kind} | {len(rows)} | {errors} | {errors / len(rows):.0%} | "
                     f"{statistics.median(times):.0f} | {p95:.0f} |")
    return lines + [""]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, nargs="+", default=[2, 8])
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--no-worker", action="store_true")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "concurrency.md"))
    args = parser.parse_args()
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                            capture_output=True, text=True).stdout.strip()
    lines = [f"# The embedded default under concurrent users (commit {commit})", "",
             f"gunicorn 1 worker x 8 threads on SQLite, {'with' if not args.no_worker else 'without'}"
             f" a Celery worker and beat; {args.seconds:.0f} s per run.", ""]
    for users in args.users:
        lines += _report(users, run(users, args.seconds, not args.no_worker))
    text = "\n".join(lines)
    print(text)
    Path(args.out).write_text(text + "\n")


if __name__ == "__main__":
    sys.exit(main())

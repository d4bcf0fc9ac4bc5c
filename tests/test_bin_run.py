"""bin/run's port and readiness (bin/_serve.sh, which it sources): the port from its argument or
PORT (5000 by default), PUBLIC_URL following it unless set, and "running" said only once
/healthz answers. Run in bash, without starting the app."""

from __future__ import annotations

import os
import socket
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _bash(script: str, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k not in {"PORT", "PUBLIC_URL"}}
    return subprocess.run(["bash", "-c", f"set -euo pipefail; source bin/_serve.sh; {script}",
                           "bin/run", *args], cwd=ROOT, env={**environment, **(env or {})},
                          capture_output=True, text=True, timeout=30)


def _address(*args: str, **env: str) -> str:
    result = _bash('choose_port "$@"; echo "$PORT $PUBLIC_URL"', *args, env=env)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_the_port_is_5000_unless_given_and_public_url_follows_it():
    assert _address() == "5000 http://127.0.0.1:5000"
    assert _address(PORT="8123") == "8123 http://127.0.0.1:8123"
    assert _address("8200", PORT="8123") == "8200 http://127.0.0.1:8200"
    assert _address(PORT="8123", PUBLIC_URL="https://sara.example.org") == (
        "8123 https://sara.example.org")


@pytest.mark.parametrize("port", ["abc", "0", "70000", "80; rm -rf /"])
def test_a_port_that_is_not_one_is_refused_in_one_line(port):
    result = _bash('choose_port "$@"; echo "started"', env={"PORT": port})
    assert result.returncode == 2 and "started" not in result.stdout
    assert len(result.stderr.strip().splitlines()) == 1 and "port" in result.stderr


class _Health(BaseHTTPRequestHandler):
    status = 503

    def do_GET(self):  # noqa: N802 - the name http.server calls
        self.send_response(self.status if self.path == "/healthz" else 404)
        self.end_headers()
        self.wfile.write(b'{"status": "ok"}')

    def log_message(self, *args):
        pass


@pytest.fixture
def health_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Health)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()
    _Health.status = 503


def _wait(port: int, pid: str = "$$", seconds: int = 10) -> tuple[int, float]:
    started = time.monotonic()
    result = _bash(f"wait_until_answering {port} {pid} {seconds}")
    return result.returncode, time.monotonic() - started


def test_ready_once_healthz_answers(health_server):
    port = health_server.server_address[1]
    threading.Timer(1.0, lambda: setattr(_Health, "status", 200)).start()
    code, took = _wait(port)
    assert code == 0 and 0.9 < took < 5


def test_not_ready_while_healthz_fails_or_nothing_listens(health_server):
    assert _wait(health_server.server_address[1], seconds=1)[0] == 1  # 503 throughout
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        unused = probe.getsockname()[1]
    assert _wait(unused, seconds=1)[0] == 1


def test_not_ready_as_soon_as_the_server_process_has_exited():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        unused = probe.getsockname()[1]
    code, took = _wait(unused, pid="$(sleep 0 & echo $!)", seconds=20)
    assert code == 1 and took < 5


def test_bin_run_serves_on_that_port_and_says_running_only_once_ready():
    script = (ROOT / "bin" / "run").read_text()
    assert 'source bin/_serve.sh' in script and 'choose_port "$@"' in script
    assert '--bind "127.0.0.1:$PORT"' in script
    assert "5000" not in script.replace("PORT, default 5000", "")
    # "running" comes after the wait for /healthz, and the passwords file is named with it
    assert script.index("wait_until_answering") < script.index("is running at")
    assert "demo-passwords.txt" in script[script.index("wait_until_answering"):]


def test_ready_once_the_worker_has_said_so(tmp_path):
    ready = tmp_path / "worker-ready"
    threading.Timer(1.0, ready.touch).start()
    started = time.monotonic()
    result = _bash(f"wait_for_file {ready} $$ 10")
    assert result.returncode == 0 and 0.9 < time.monotonic() - started < 5
    assert _bash(f"wait_for_file {tmp_path / 'never'} $$ 1").returncode == 1


def test_the_worker_marks_itself_ready_where_bin_run_looks(tmp_path, monkeypatch):
    from worker.celery_app import mark_ready

    ready = tmp_path / "worker-ready"
    mark_ready()  # without SARA_WORKER_READY_FILE: nothing
    assert not ready.exists()
    monkeypatch.setenv("SARA_WORKER_READY_FILE", str(ready))
    mark_ready()
    assert ready.exists()
    script = (ROOT / "bin" / "run").read_text()
    assert "SARA_WORKER_READY_FILE" in script
    assert script.index("wait_for_file") < script.index("is running at")

"""gunicorn's access log (gunicorn.conf.py) carries no personal data: no query string (the API's
lookup takes names and phone numbers there, search its words) and no referrer (which carries the
previous page's)."""

from __future__ import annotations

import runpy
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

from gunicorn.config import Config
from gunicorn.glogging import Logger

ROOT = Path(__file__).resolve().parent.parent


def _gunicorn_config() -> Config:
    config = Config()
    for name, value in runpy.run_path(str(ROOT / "gunicorn.conf.py")).items():
        if name in config.settings:
            config.set(name, value)
    config.set("accesslog", "-")
    return config


def test_the_access_log_has_the_path_without_query_string_or_referrer(capsys):
    logger = Logger(_gunicorn_config())
    environ = {
        "REQUEST_METHOD": "GET", "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1",
        "RAW_URI": "/api/v1/lookup?name=Margaret+Oakley&phone=07700900111",
        "PATH_INFO": "/api/v1/lookup", "QUERY_STRING": "name=Margaret+Oakley&phone=07700900111",
        "HTTP_REFERER": "http://127.0.0.1:5000/search?q=Margaret+Oakley",
        "HTTP_USER_AGENT": "curl/8.5",
    }
    response = SimpleNamespace(status="200 OK", sent=512, headers=[])
    logger.access(response, SimpleNamespace(headers=[]), environ, timedelta(milliseconds=7))

    line = capsys.readouterr().out.strip()
    assert '"GET /api/v1/lookup HTTP/1.1" 200 512' in line
    assert "Margaret" not in line and "07700900111" not in line and "search" not in line
    assert "curl/8.5" in line


def test_bin_run_and_the_live_server_use_that_configuration():
    assert "--config gunicorn.conf.py" in (ROOT / "bin" / "run").read_text()
    assert '"gunicorn.conf.py"' in (ROOT / "tests" / "live_server.py").read_text()

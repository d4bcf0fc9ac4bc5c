"""A worker whose incident import stops part-way long enough to be killed there
(test_import_killed).

`celery -A tests.faults.slow_import_worker worker`, with SARA_FAULTS_PAUSE_DIR. The import runs
as usual; after its first batch of rows is flushed (and, on PostgreSQL, its progress written in a
transaction of its own), its first run writes `import.paused` (holding the process id) and
waits. Every later run goes straight through. Each run appends a line to `runs`.

Production code has no such hook: the progress writer is wrapped here, in the worker process
only, before the pool forks.
"""

import os
from pathlib import Path

from sara.incidents import service
from tests.faults.entry import celery_app, flask_app
from tests.faults.services import wait_for

#: Long enough for any test to find the pause and kill the process; then it goes on.
PAUSE_SECONDS = 120
_FOLDER = Path(os.environ["SARA_FAULTS_PAUSE_DIR"])
_progress_writer = service.progress_writer


def _pausing_progress_writer(import_id: int):
    write = _progress_writer(import_id)
    with open(_FOLDER / "runs", "a") as runs:
        runs.write(f"import {os.getpid()}\n")

    def progress(done: int) -> None:
        if write is not None:
            write(done)
        marker = _FOLDER / "import.paused"
        if not marker.exists():
            marker.write_text(str(os.getpid()))
            wait_for(lambda: (_FOLDER / "release").exists(), PAUSE_SECONDS, interval=0.2)

    return progress


service.progress_writer = _pausing_progress_writer

__all__ = ["celery_app", "flask_app"]

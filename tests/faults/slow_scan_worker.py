"""A worker whose full scan stops in one job long enough to be killed there (test_worker_killed).

`celery -A tests.faults.slow_scan_worker worker`, with SARA_FAULTS_PAUSE_JOB (a name in
sara.flags.jobs.JOBS) and SARA_FAULTS_PAUSE_DIR. The job runs as usual; then, its work flushed
but not committed, its first run writes `<job>.paused` (holding the process id) and waits. Every
later run goes straight through. Each run that got that far appends a line to `runs`.

Production code has no such hook: the job is wrapped here, in the worker process only, before
the pool forks.
"""

import os
from pathlib import Path

from sara.extensions import db
from sara.flags import jobs
from tests.faults.entry import celery_app, flask_app
from tests.faults.services import wait_for

#: Long enough for any test to find the pause and kill the process; then it goes on.
PAUSE_SECONDS = 120


def _pausing(name, job):
    folder = Path(os.environ["SARA_FAULTS_PAUSE_DIR"])

    def run():
        results = job()
        db.session.flush()
        with open(folder / "runs", "a") as runs:
            runs.write(f"{name} {os.getpid()}\n")
        marker = folder / f"{name}.paused"
        if not marker.exists():
            marker.write_text(str(os.getpid()))
            wait_for(lambda: (folder / "release").exists(), PAUSE_SECONDS, interval=0.2)
        return results

    return run


_name = os.environ["SARA_FAULTS_PAUSE_JOB"]
jobs.JOBS[_name] = _pausing(_name, jobs.JOBS[_name])

__all__ = ["celery_app", "flask_app"]

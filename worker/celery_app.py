"""The worker and beat entry point: `celery -A worker.celery_app worker` / `... beat`."""

import os
from pathlib import Path

from celery.signals import worker_ready

from sara import create_app
from worker.schedule import BEAT_SCHEDULE

flask_app = create_app()
celery_app = flask_app.extensions["celery"]
celery_app.conf.beat_schedule = BEAT_SCHEDULE


@worker_ready.connect
def mark_ready(**_kwargs) -> None:
    """Touch SARA_WORKER_READY_FILE, when set, once the worker takes tasks: bin/run waits for it
    before saying the app is running, so that the worker's banner does not bury what it says."""
    path = os.environ.get("SARA_WORKER_READY_FILE")
    if path:
        Path(path).touch()

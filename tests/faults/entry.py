"""The Celery app of the fault tests' worker and beat subprocesses: the deployment's own
(worker.celery_app, configured from the environment), on the test's clock.

`celery -A tests.faults.entry worker|beat`. The test process runs on a frozen, ticking clock
(tests/conftest.py); a process it starts must agree with it, or the dates the test gives its rows
(due dates, incident dates) and the ones the worker compares them with would be months apart.
"""

import os
from datetime import datetime

import time_machine

from tests.faults.services import CLOCK_VARIABLE

if os.environ.get(CLOCK_VARIABLE):
    # Started before the worker forks its pool, so its children keep the same clock.
    time_machine.travel(datetime.fromisoformat(os.environ[CLOCK_VARIABLE]), tick=True).start()

from worker.celery_app import celery_app, flask_app  # noqa: E402 - after the clock is set

__all__ = ["celery_app", "flask_app"]

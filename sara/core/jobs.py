"""Celery bound to the Flask app (Flask's own `celery_init_app` pattern), and the base class that
ends every task as a request ends: one unit of work.

A task runs inside an app context, commits once at its end and rolls back on any error. A task
sent through the outbox (sara.core.outbox) carries `outbox_key`: its key is recorded in the same
transaction as its work, so a message delivered twice (a worker killed before its
acknowledgement, two relays racing) does that work once. The worker package (worker/) defines
the tasks and imports the domain; the domain never imports it, and names tasks only by their
registered names.
"""

from __future__ import annotations

from celery import Celery, Task
from flask import Flask

from sara.core import outbox, unit_of_work


def celery_init_app(app: Flask) -> Celery:
    class SaraTask(Task):
        """One unit of work per task (see the module's docstring)."""

        def __call__(self, *args, outbox_key: str | None = None, **kwargs):
            with app.app_context():
                try:
                    if outbox_key is not None and outbox.already_done(outbox_key):
                        return None
                    result = self.run(*args, **kwargs)
                    if outbox_key is not None:
                        outbox.mark_done(outbox_key, self.name)
                    unit_of_work.commit()
                except BaseException:
                    unit_of_work.rollback()
                    raise
                return result

    celery_app = Celery(app.name, task_cls=SaraTask)
    celery_app.config_from_object(app.config["CELERY"])
    celery_app.conf.include = ["worker.tasks"]
    celery_app.set_default()
    app.extensions["celery"] = celery_app
    return celery_app

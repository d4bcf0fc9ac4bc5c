"""Celery, bound to the Flask app as in Flask's own `celery_init_app` pattern."""

from __future__ import annotations

from celery import Celery, Task
from flask import Flask


def celery_init_app(app: Flask) -> Celery:
    class FlaskTask(Task):
        def __call__(self, *args, **kwargs):
            with app.app_context():
                return self.run(*args, **kwargs)

    from worker.schedule import BEAT_SCHEDULE

    celery_app = Celery(app.name, task_cls=FlaskTask)
    celery_app.config_from_object(app.config["CELERY"])
    celery_app.conf.beat_schedule = BEAT_SCHEDULE
    celery_app.conf.include = ["worker.tasks"]
    celery_app.set_default()
    app.extensions["celery"] = celery_app
    return celery_app

"""The one beat schedule. Run exactly one `celery beat` per deployment."""

from celery.schedules import crontab

BEAT_SCHEDULE = {
    "scan-actions": {
        "task": "worker.tasks.run_scan",
        "schedule": crontab(minute=5),
        "args": ("actions",),
    },
    "purge-expired-sessions": {
        "task": "worker.tasks.purge_expired_sessions",
        "schedule": crontab(minute=17),
    },
}

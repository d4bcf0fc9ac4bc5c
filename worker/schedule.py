"""The one beat schedule. Run exactly one `celery beat` per deployment."""

from celery.schedules import crontab

BEAT_SCHEDULE = {
    "scan-repeat-victims": {
        "task": "worker.tasks.run_scan",
        "schedule": crontab(minute=20, hour="*/2"),
        "args": ("repeat-victims",),
    },
    "scan-case-review": {
        "task": "worker.tasks.run_scan",
        "schedule": crontab(minute=25, hour="*/2"),
        "args": ("case-review",),
    },
    "scan-reviews": {
        "task": "worker.tasks.run_scan",
        "schedule": crontab(minute=10),
        "args": ("reviews",),
    },
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

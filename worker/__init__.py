"""The Celery worker and beat: the tasks (tasks.py) and the one beat schedule (schedule.py).

The worker imports the domain; the domain never imports the worker, and hands it work only
through the outbox, naming tasks by their registered names (sara.core.outbox).
"""

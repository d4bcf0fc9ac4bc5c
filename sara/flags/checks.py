"""Instant flag checks for people whose incidents just changed, run by the worker once the change
is committed (through the outbox: never before, so a rolled-back change checks nothing)."""

from __future__ import annotations

from sara.core import outbox


def queue_person_checks(person_ids) -> None:
    """Check these people's repeat-victim and case-review flags once the current transaction
    commits."""
    ids = sorted(set(person_ids))
    if ids:
        outbox.defer("worker.tasks.check_people", ids)

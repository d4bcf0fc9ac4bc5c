"""Instant flag checks for people whose incidents just changed, run by Celery after the commit."""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.orm import Session

from sara.extensions import db

_KEY = "sara_people_to_check"


def queue_person_checks(person_ids) -> None:
    """Check these people's flags as soon as the current transaction commits (never before, so a
    rolled-back change checks nothing)."""
    db.session.info.setdefault(_KEY, set()).update(person_ids)


@event.listens_for(Session, "after_commit")
def _check_after_commit(session):
    if session.get_nested_transaction() is not None:
        return  # only a savepoint was released; the real commit is still to come
    ids = session.info.pop(_KEY, None)
    if ids:
        from worker.tasks import check_people

        check_people.delay(sorted(ids))


@event.listens_for(Session, "after_soft_rollback")
def _forget(session, previous_transaction):
    if not previous_transaction.nested:
        session.info.pop(_KEY, None)

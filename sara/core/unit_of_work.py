"""One unit of work per request, per job and per command: one commit at its end, or a rollback.

Services flush and never commit; views return a response and never commit. Every request ends in
`end_request`, once its response is ready:

- an answer below 400 commits what the request changed, its outbox messages with it
  (sara.core.outbox), then hands those messages to the broker (sara.core.outbox.relay);
- an error answer (4xx, 5xx), an exception, or a view that refused the change (`discard`, which
  `sara.core.rules.show_on_form` calls) rolls everything back.

What a request only records about itself (the consultations it showed, its session's last-seen
time) is written after that, in one short transaction of its own (`bookkeeping`): on SQLite a page
view then never holds the write lock while it renders, and never tries to upgrade a read lock
(which fails at once, whatever busy_timeout says).

A job (worker.SaraTask) and a command (`command`) end the same way: commit at the end, roll back
on error.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from flask import Flask, current_app, g, has_request_context
from sqlalchemy import exc as sa_exc

from sara.core import outbox
from sara.extensions import db

#: Run after the request's commit, in order: side effects that must follow it and are not work
#: for Celery (which always leaves through the outbox), such as a password reset e-mail.
_AFTER_COMMIT = "uow_after_commit"
#: Writes of the request's own bookkeeping, done after its commit (or its rollback).
_BOOKKEEPING = "uow_bookkeeping"


def commit() -> None:
    """Commit the transaction, then hand the outbox messages it added to the broker at once (the
    fast path: a broker that cannot be reached leaves them to the relay job, and nothing fails)."""
    sent = outbox.pending_ids()
    db.session.commit()
    if not sent or outbox.broker_is_quiet():
        return
    try:
        outbox.relay(sent)
        db.session.commit()
    except Exception:  # noqa: BLE001 - the change is committed; the relay job sends it later
        db.session.rollback()
        current_app.logger.warning("Outbox: could not hand %d message(s) over now; the relay "
                                   "job will", len(sent), exc_info=True)


def rollback() -> None:
    outbox.forget_pending()
    db.session.rollback()


def discard() -> None:
    """The view refused what it was asked (a rule said no): nothing this request changed may be
    kept. Rolls back at once, so a later flush cannot bring any of it back."""
    if has_request_context():
        g.uow_discarded = True
    rollback()


def after_commit(callback: Callable[[], None]) -> None:
    """Run `callback` once the request's changes are committed; never if they are not."""
    g.setdefault(_AFTER_COMMIT, []).append(callback)


def bookkeeping(write: Callable[[object], None]) -> None:
    """Queue a write of the request's own records (consultations, session last-seen) for the
    short transaction at its end, which happens whether or not the request's changes commit.
    `write` is given the response; it may decide to write nothing (then no transaction
    begins)."""
    g.setdefault(_BOOKKEEPING, []).append(write)


def is_writing() -> bool:
    """Whether the current transaction is the request's bookkeeping, which writes (SQLite takes
    the write lock when it begins)."""
    return has_request_context() and bool(g.get("uow_writing"))


def end_request(response):
    """The request's one commit (or rollback), then its bookkeeping. Runs once even when the
    error page of a failed commit comes back through here."""
    if g.get("uow_ended"):
        return response
    g.uow_ended = True
    keep = response.status_code < 400 and not g.get("uow_discarded")
    if keep:
        # Raised errors (a conflict found only now, the database gone) become the error page,
        # which comes back here to roll back.
        try:
            commit()
        except BaseException:
            rollback()
            raise
        for callback in g.pop(_AFTER_COMMIT, []):
            callback()
    else:
        rollback()
    writes = g.pop(_BOOKKEEPING, [])
    if writes:
        g.uow_writing = True
        try:
            for write in writes:
                write(response)
            db.session.commit()
        except sa_exc.SQLAlchemyError:
            # A page whose consultation cannot be recorded is not shown: the error page (from
            # the exception) replaces it.
            rollback()
            raise
        finally:
            g.pop("uow_writing", None)
    return response


def register(app: Flask) -> None:
    # Registered first, so it runs after every other after_request function (Flask runs them in
    # reverse), when the response is final.
    app.after_request_funcs.setdefault(None, []).insert(0, end_request)


def command(function):
    """A CLI command (or any code outside a request) as one unit of work."""

    @functools.wraps(function)
    def run(*args, **kwargs):
        try:
            result = function(*args, **kwargs)
        except BaseException:
            rollback()
            raise
        commit()
        return result

    return run


def checkpoint() -> None:
    """Commit the work so far of a long job that commits in batches, so that a restart continues
    from here."""
    commit()

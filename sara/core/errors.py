"""GOV.UK-style error pages; no traceback ever reaches the browser."""

from __future__ import annotations

import contextlib

from flask import Flask, g, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy import exc as sa_exc
from werkzeug.exceptions import HTTPException

from sara.api.common import problem
from sara.core import unit_of_work
from sara.extensions import login_manager

ERROR_PAGES = {
    400: ("There is a problem with your request", "The page could not use what was sent to it."),
    403: ("You cannot do that", "Your account does not allow you to do this."),
    404: ("Page not found", "If you typed the web address, check it is correct."),
    405: ("Page not found", "If you typed the web address, check it is correct."),
    413: ("The file is too large", "Choose a smaller file and try again."),
    429: ("Too many requests", "You have made too many requests. Wait a minute, then try again."),
    500: ("Sorry, there is a problem with the service", "Try again later."),
    503: ("Sorry, the service is unavailable", "Try again later."),
}


def render_error(status: int, detail: str | None = None):
    title, body = ERROR_PAGES.get(status, ERROR_PAGES[500])
    page = render_template("errors/error.html", status=status, title=title, body=detail or body)
    return page, status


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return render_error(
            400,
            "The form you submitted had expired or was not sent from this site. "
            "Go back, reload the page and try again.",
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        # An exception after the view (the request's commit, in an after_request function)
        # reaches Flask's handlers only as a 500 carrying it: a database that went away then is
        # still the 503 it would have been during the view.
        original = getattr(error, "original_exception", None)
        if isinstance(original, _DATABASE_ERRORS) and _is_unavailable(original):
            return database_unavailable(original)
        if request.path.startswith("/api/"):
            return problem(error.code or 500, error.name, error.description)
        if error.code not in ERROR_PAGES:
            return error
        return render_error(error.code)

    @app.errorhandler(sa_exc.OperationalError)
    @app.errorhandler(sa_exc.InterfaceError)
    @app.errorhandler(sa_exc.DisconnectionError)
    def database_unavailable(error: Exception):
        """The database cannot be reached (stopped, restarting, out of connections): 503, and
        the next request tries again (the pool checks each connection before lending it)."""
        if not _is_unavailable(error):
            return unexpected_error(error)
        _forget_the_request()
        app.logger.error("The database is unavailable: %s", type(error).__name__)
        if request.path.startswith("/api/"):
            return problem(503, "Service Unavailable", "The database is unavailable: try again "
                                                       "in a moment.")
        return render_error(503)

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        _forget_the_request()
        app.logger.exception("Unhandled error")
        if request.path.startswith("/api/"):
            return problem(500, "Internal Server Error", "Something went wrong on our side.")
        return render_error(500)


def _forget_the_request() -> None:
    """Before an error page: roll the request back, and draw the page for nobody in particular,
    so that drawing it needs nothing from the database (which may be what failed)."""
    with contextlib.suppress(sa_exc.SQLAlchemyError):  # the connection is gone: the pool
        unit_of_work.rollback()                         # replaces it
    g._login_user = login_manager.anonymous_user()


_DATABASE_ERRORS = (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.DisconnectionError)
#: SQLSTATE classes of a database that is not there: connection exceptions, operator
#: intervention (shutdown), insufficient resources.
_UNAVAILABLE_SQLSTATES = ("08", "57", "53")


def _is_unavailable(error: Exception) -> bool:
    if isinstance(error, sa_exc.DisconnectionError | sa_exc.InterfaceError):
        return True
    if getattr(error, "connection_invalidated", False):
        return True
    original = getattr(error, "orig", None)
    sqlstate = getattr(original, "sqlstate", None) or getattr(original, "pgcode", None)
    if sqlstate:
        return str(sqlstate).startswith(_UNAVAILABLE_SQLSTATES)
    # psycopg raises OperationalError without a state when it cannot connect at all; SQLite's
    # OperationalError (a locked or unreadable file) is not "unavailable" in this sense.
    return type(original).__module__.startswith("psycopg") and sqlstate is None

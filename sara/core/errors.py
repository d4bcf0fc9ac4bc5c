"""GOV.UK-style error pages; no traceback ever reaches the browser."""

from __future__ import annotations

from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from sara.extensions import db

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
        if request.path.startswith("/api/"):
            from sara.api.views import problem

            return problem(error.code or 500, error.name, error.description)
        if error.code not in ERROR_PAGES:
            return error
        return render_error(error.code)

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        db.session.rollback()
        app.logger.exception("Unhandled error")
        if request.path.startswith("/api/"):
            from sara.api.views import problem

            return problem(500, "Internal Server Error", "Something went wrong on our side.")
        return render_error(500)

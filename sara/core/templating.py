"""Template filters and globals shared by every page."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import Flask, current_app, g
from flask_login import current_user
from markupsafe import Markup

from sara import policy
from sara.actions.service import overdue_count
from sara.core.types import date_in_words
from sara.flags.rules import late_reason
from sara.flags.service import case_review_in_words, counted_incidents, describe
from sara.flags.status import decision
from sara.notifications.service import unread_count


def _local(value: datetime) -> datetime:
    return value.astimezone(ZoneInfo(current_app.config["DISPLAY_TIMEZONE"]))


def format_datetime(value: datetime | str | None) -> str:
    """'14 March 2026 at 21:30', local time; also for the ISO 8601 text of flag evidence."""
    if not value:
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    local = _local(value)
    return f"{local.day} {local:%B %Y} at {local:%H:%M}"


def format_date(value: date | datetime | None) -> str:
    """'30 December 2026' (the local day of a datetime)."""
    return date_in_words(value)


def multiline(value: str | None) -> Markup:
    """User text shown with its line breaks kept, escaped; 'Not recorded' when empty."""
    if not value:
        return Markup('<span class="govuk-hint">Not recorded</span>')
    return Markup('<span class="app-pre-wrap">{}</span>').format(value)


def short_date(value: date | datetime | None) -> str:
    """'22 Nov 2026', for tables."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = _local(value).date()
    return f"{value.day} {value:%b %Y}"


def iso_datetime(value: datetime | None) -> str:
    return "" if value is None else value.isoformat(timespec="seconds")


def register(app: Flask) -> None:
    app.add_template_filter(format_datetime, "datetime")
    app.add_template_filter(format_date, "date")
    app.add_template_filter(iso_datetime, "isodatetime")
    app.add_template_filter(multiline, "multiline")
    app.add_template_filter(short_date, "shortdate")
    app.add_template_filter(lambda incident: late_reason(incident.occurred_dt,
                                                         incident.reported_dt), "late_reason")

    @app.context_processor
    def globals_for_every_page():
        return {
            "policy": policy,
            "cspNonce": getattr(g, "csp_nonce", None),
            "current_user": current_user,
            "header_counts": _header_counts,
            "describe_flag": describe,
            "counted_incidents": counted_incidents,
            "case_review_in_words": case_review_in_words,
            "case_review_decision": decision,
        }


def _header_counts() -> dict:
    """Overdue actions and unread notifications for the header; computed once per page."""
    if "header_counts" not in g:
        g.header_counts = {"overdue": overdue_count(current_user),
                           "unread": unread_count(current_user)}
    return g.header_counts

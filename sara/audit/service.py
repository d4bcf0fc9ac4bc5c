"""Writing and reading the audit log. Only `record` writes; nothing here updates or deletes."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app, has_request_context, request

from sara.audit.models import AuditEvent, AuditEventCase
from sara.core import unit_of_work
from sara.core.csv_cells import csv_safe
from sara.core.types import utcnow
from sara.extensions import db


def _client_ip() -> str | None:
    # Behind a proxy, configure ProxyFix so that remote_addr is the client's address.
    return request.remote_addr if has_request_context() else None


def record(
    action: str,
    *,
    user=None,
    record_type: str | None = None,
    record_ref: str | None = None,
    case=None,
    case_id: int | None = None,
    summary: str = "",
    details: dict | None = None,
) -> AuditEvent:
    """Add one audit row to the current transaction (flushed with it, never on its own).
    `case_id` stands for `case` when only its id is at hand."""
    event = AuditEvent(**_row(action, user, record_type or ("case" if case is not None else None),
                              record_ref or getattr(case, "reference", None),
                              getattr(case, "id", case_id), summary, details))
    db.session.add(event)
    return event


def record_each(action: str, *, user, record_type: str, record_refs, summary: str,
                details: dict | None = None) -> None:
    """One audit row per reference (the people a lookup showed), in a single statement however
    many there are."""
    rows = [_row(action, user, record_type, ref, None, summary, details) for ref in record_refs]
    if rows:
        db.session.execute(sa.insert(AuditEvent), rows)


def _row(action, user, record_type, record_ref, case_id, summary, details) -> dict:
    if has_request_context():
        details = {**(details or {}), "path": request.path[:500], "method": request.method}
    # PostgreSQL cannot store NUL in text, and one \u0000 in a JSON value makes every
    # `details->>'key'` over the table fail: a hostile URL or search must still leave its trace.
    return {
        "action": action,
        "user_id": getattr(user, "id", None),
        "organisation_id": getattr(user, "organisation_id", None),
        "ip_address": _client_ip(),
        "record_type": record_type,
        "record_ref": record_ref.replace("\x00", "\\x00") if record_ref else record_ref,
        "case_id": case_id,
        "summary": summary.replace("\x00", "\\x00"),
        "details": _without_nul(details),
        "created_dt": utcnow(),
    }


def _without_nul(value):
    """`value` (JSON-shaped) with every NUL character in its strings, keys included, written
    out as the four characters \\x00."""
    if isinstance(value, str):
        return value.replace("\x00", "\\x00")
    if isinstance(value, dict):
        return {_without_nul(k): _without_nul(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_without_nul(v) for v in value]
    return value


def link_cases(event: AuditEvent, case_ids) -> None:
    """Put `event` in the audit log of each of these cases too (a list, search or export that
    showed them)."""
    ids = list(dict.fromkeys(i for i in case_ids if i is not None and i != event.case_id))
    if ids:
        db.session.flush()
        db.session.add_all(AuditEventCase(audit_event_id=event.id, case_id=i) for i in ids)


def record_regardless(action: str, **values) -> None:
    """An audit row that must be kept even when the request's own changes are not (a failed
    sign-in, a refused export): written with the request's bookkeeping, or at once outside a
    request."""
    if not has_request_context():
        record(action, **values)
        return
    unit_of_work.bookkeeping(lambda _response: record(action, **values))


@dataclass
class AuditFilters:
    date_from: date | None = None
    date_to: date | None = None
    action: str | None = None


def _local_midnight(day: date) -> datetime:
    """Dates are chosen in the display time zone; midnight there, as a UTC-comparable datetime."""
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(current_app.config["DISPLAY_TIMEZONE"]))


def _filtered(query: sa.Select, filters: AuditFilters) -> sa.Select:
    # The first and last dates Python knows bound nothing (and would overflow when shifted).
    if filters.date_from and filters.date_from > date.min:
        query = query.where(AuditEvent.created_dt >= _local_midnight(filters.date_from))
    if filters.date_to and filters.date_to < date.max:
        end = _local_midnight(filters.date_to + timedelta(days=1))
        query = query.where(AuditEvent.created_dt < end)
    if filters.action:
        query = query.where(AuditEvent.action == filters.action)
    return query.order_by(AuditEvent.created_dt.desc(), AuditEvent.id.desc())


def case_log(case, filters: AuditFilters) -> sa.Select:
    """Everything about the case: its own rows, and the lists, searches and exports it was in."""
    listed_in = sa.select(AuditEventCase.audit_event_id).where(AuditEventCase.case_id == case.id)
    return _filtered(sa.select(AuditEvent).where(
        sa.or_(AuditEvent.case_id == case.id, AuditEvent.id.in_(listed_in))), filters)


def user_activity(user, filters: AuditFilters) -> sa.Select:
    return _filtered(sa.select(AuditEvent).where(AuditEvent.user_id == user.id), filters)


CSV_COLUMNS = ["time_utc", "user", "email", "organisation", "ip_address", "action",
               "record_type", "record", "summary"]


def to_csv(events) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for event in events:
        # Every cell, not just the summary: names, emails and references can be typed by people.
        writer.writerow([csv_safe(value) for value in (
            event.created_dt.isoformat(timespec="seconds"),
            event.user.name if event.user else "",
            event.user.email if event.user else (event.details or {}).get("email", ""),
            event.organisation.name if event.organisation else "",
            event.ip_address or "",
            event.action,
            event.record_type or "",
            event.record_ref or "",
            event.summary,
        )])
    return out.getvalue()

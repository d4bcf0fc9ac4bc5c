"""CSV downloads. Every export is a disclosure of police data, so each one leaves an audit row
saying who took what, with which filters, and how many rows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from flask import Response, request
from flask_login import current_user

from sara.audit import consultation
from sara.audit import service as audit
from sara.cases import queries
from sara.cases.taxonomy import STATUSES
from sara.core import unit_of_work
from sara.core.csv_cells import to_csv
from sara.core.types import local_zone
from sara.extensions import db
from sara.flags.service import describe


def csv_download(file: Disclosed, filename: str, *, record_type: str, what: str, case=None,
                 user=None) -> Response:
    """Build the file and answer with it as an attachment; its disclosure is audited with the
    request's bookkeeping (a file that cannot be audited is not sent: the error page is).

    `what` reads as the object of "Exported N ...", e.g. "cases from the case list". The
    disclosure names every reference the file holds and is in the audit log of each of its cases.
    """
    user = user or current_user
    body, count = to_csv(file.header, file.rows)
    values = dict(user=user, record_type=record_type, case_id=getattr(case, "id", None),
                  summary=f"Exported {count} {what} as CSV",
                  details={"recipients": [user.email], "rows": count, "format": "csv",
                           "filters": request.args.to_dict(flat=False),
                           "references": list(dict.fromkeys(file.references))})

    def record_disclosure(_response) -> None:
        audit.link_cases(audit.record("disclosure", **values), file.case_ids)

    unit_of_work.bookkeeping(record_disclosure)
    consultation.forget()  # the file is recorded as a disclosure, not as a page's consultation
    # Excel opens UTF-8 CSV correctly only with a byte-order mark.
    return Response(
        "\ufeff" + body, mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"',
                 "Cache-Control": "no-store"},
    )


# --- what each list exports --------------------------------------------------------------------
# Each function takes the list's own filters (or rows) so that the file holds exactly the rows
# the list would show, in its order, only without the paging.

def _local_datetime(value) -> str:
    """A UTC datetime as local time in a form spreadsheets sort and parse: 2026-03-14 09:05."""
    return "" if value is None else f"{value.astimezone(local_zone()):%Y-%m-%d %H:%M}"


def _iso_date(value) -> str:
    return "" if value is None else value.isoformat()


CASE_COLUMNS = ("Reference", "Title", "Problem type", "Neighbourhood", "Stage", "Status", "Owner",
                "Opened", "Last updated", "Last review", "Next review", "Evaluation")


@dataclass
class Disclosed:
    """What a file holds: its header and rows, and the cases (ids) and records (references) it
    discloses, for the audit."""

    header: Sequence[str]
    rows: list[list]
    case_ids: list[int] = field(default_factory=list)
    references: list[str] = field(default_factory=list)


def case_rows(user, filters) -> Disclosed:
    """The case list as rows: one query, its owner and neighbourhood eager-loaded with it."""
    query = (queries.filtered_cases(user, filters)
             .add_columns(queries.evaluation_state)
             .order_by(*queries.case_ordering(filters)))
    found = db.session.execute(query).all()
    rows = [
        [case.reference, case.title, case.problem_type_label, case.neighbourhood.name,
         case.stage_label, STATUSES[case.status], case.owner.name,
         _local_datetime(case.created_dt), _local_datetime(case.updated_dt),
         _local_datetime(case.last_reviewed_dt),
         _iso_date(case.next_review_date) if case.is_open else "",
         queries.EVALUATION_FILTERS.get(state, state)]
        for case, state in found
    ]
    return Disclosed(CASE_COLUMNS, rows, [case.id for case, _ in found],
                     [case.reference for case, _ in found])


ACTION_COLUMNS = ("Reference", "Action", "Case", "Case title", "Tactic", "Allocated to", "Due",
                  "Overdue", "Priority", "Status", "Allocated by", "Created")


def action_rows(actions) -> Disclosed:
    """An action list as rows. Its case and people are eager-loaded with the actions."""
    rows = [
        [action.reference, action.title, action.case.reference, action.case.title,
         action.tactic_label, action.allocated_to_name, _iso_date(action.due_date),
         "Yes" if action.is_overdue else "No", action.priority_label, action.status_label,
         action.created_by.name, _local_datetime(action.created_dt)]
        for action in actions
    ]
    return Disclosed(ACTION_COLUMNS, rows, [a.case_id for a in actions],
                     [a.reference for a in actions])


def flag_rows(queue_rows, *, with_names: bool) -> Disclosed:
    """Flag-queue rows (sara.flags.service.QueueRow) as the queue shows them; people's names only
    for those who may look people up, as on the page."""
    header = ["Raised", "Flag", "Details", "Case", "Case title", "Person"]
    if with_names:
        header.append("Person's name")
    header += ["Neighbourhood", "Status", "Acknowledged by", "Acknowledged", "Resolved",
               "Resolution note"]
    rows = []
    for row in queue_rows:
        flag = row.flag
        cells = [_local_datetime(flag.raised_dt), flag.kind_label, describe(flag),
                 row.case_reference or "", row.case_title or "", row.person_reference or ""]
        if with_names:
            cells.append(row.person_name or "")
        cells += ["; ".join(row.neighbourhoods), flag.status_label,
                  flag.acknowledged_by.name if flag.acknowledged_by else "",
                  _local_datetime(flag.acknowledged_dt), _local_datetime(flag.resolved_dt),
                  flag.resolved_note or ""]
        rows.append(cells)
    return Disclosed(header, rows, [row.flag.case_id for row in queue_rows],
                     [r.person_reference for r in queue_rows if r.person_reference]
                     + [r.case_reference for r in queue_rows if r.case_reference])

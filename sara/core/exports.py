"""CSV downloads. Every export is a disclosure of police data, so each one leaves an audit row
saying who took what, with which filters, and how many rows."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from flask import Response, request
from flask_login import current_user

from sara.extensions import db


def csv_safe(value) -> str:
    """Stop spreadsheet programs treating a cell as a formula (CSV injection)."""
    text = "" if value is None else str(value)
    if text and text[0] in "=+-@\t\r":
        return "'" + text
    return text


def to_csv(header: Sequence[str], rows: Iterable[Sequence]) -> tuple[str, int]:
    """The CSV text and the number of data rows. Every cell is neutralised, not just free text:
    names, references and addresses are typed by people too."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    count = 0
    for row in rows:
        writer.writerow([csv_safe(value) for value in row])
        count += 1
    return out.getvalue(), count


def csv_download(header: Sequence[str], rows: Iterable[Sequence], filename: str, *,
                 record_type: str, what: str, case=None, user=None) -> Response:
    """Build the file, audit the disclosure and commit, then answer with an attachment.

    `what` reads as the object of "Exported N ...", e.g. "cases from the case list".
    """
    from sara.audit import service as audit  # the audit service uses csv_safe from here

    user = user or current_user
    body, count = to_csv(header, rows)
    audit.record(
        "disclosure", user=user, record_type=record_type, case=case,
        summary=f"Exported {count} {what} as CSV",
        details={"recipients": [user.email], "rows": count, "format": "csv",
                 "filters": request.args.to_dict(flat=False)},
    )
    db.session.commit()
    # Excel opens UTF-8 CSV correctly only with a byte-order mark.
    return Response(
        "\ufeff" + body, mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"',
                 "Cache-Control": "no-store"},
    )

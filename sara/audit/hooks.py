"""Request hooks that write the consultation and access-denied rows of the audit log.

A case page view is audited once per request, after the response is ready: the policy's loader
notes which case was shown (or which reference was refused) and this hook writes the row in its own
short transaction, so a page that only reads still leaves its trace.
"""

from __future__ import annotations

from flask import Flask, g, request
from flask_login import current_user

from sara.audit import service
from sara.extensions import db


def register(app: Flask) -> None:
    @app.after_request
    def write_consultation_rows(response):
        case = g.pop("audited_case", None)
        denied = g.pop("audit_denied", None)
        people = g.pop("audited_people", None)
        if not current_user.is_authenticated or (case is None and denied is None and not people):
            return response
        # Anything the view left uncommitted (a refused form) must not ride along with the audit.
        db.session.rollback()
        if denied is not None and response.status_code == 404:
            service.record(
                "access_denied", user=current_user, record_type="case", record_ref=denied,
                summary=f"Refused {request.method} {request.path}",
            )
        elif case is not None and request.method == "GET" and response.status_code == 200:
            service.record(
                "consultation", user=current_user, record_type="case",
                record_ref=case.reference, case=case,
                summary=f"Viewed {request.path}",
            )
            for person in people or ():
                service.record(
                    "consultation", user=current_user, record_type="person",
                    record_ref=person.reference, case=case,
                    summary=f"Viewed the personal details of {person.reference}",
                )
        db.session.commit()
        return response

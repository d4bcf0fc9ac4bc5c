"""The audit log pages: a case's log and a user's activity, with CSV exports."""

from __future__ import annotations

from flask import Blueprint, Response, abort, render_template, request
from flask_login import current_user
from govuk_frontend_wtf.wtforms_widgets import GovSelect, GovSubmitInput
from wtforms import SelectField, SubmitField
from wtforms.validators import Optional

from sara import policy
from sara.audit import consultation, service
from sara.audit.models import AUDIT_ACTIONS
from sara.core.forms import BaseForm, GovDateField
from sara.core.types import utcnow
from sara.extensions import db

bp = Blueprint("audit", __name__)

MAX_ROWS = 500


class AuditFilterForm(BaseForm):
    class Meta:
        csrf = False

    date_from = GovDateField("From", validators=[Optional()])
    date_to = GovDateField("To", validators=[Optional()])
    action = SelectField(
        "Action", widget=GovSelect(), choices=[("", "Any action"), *AUDIT_ACTIONS.items()],
        validators=[Optional()],
    )
    submit = SubmitField("Apply filters", widget=GovSubmitInput())


def _filters(form: AuditFilterForm) -> service.AuditFilters:
    form.validate()
    ok = {name: not form[name].errors for name in form._fields}
    return service.AuditFilters(
        date_from=form.date_from.data if ok["date_from"] else None,
        date_to=form.date_to.data if ok["date_to"] else None,
        action=(form.action.data or None) if ok["action"] else None,
    )


def _csv_response(events, filename: str, *, recipient_summary: str, case=None, ref=None):
    body = service.to_csv(events)
    service.record(
        "disclosure", user=current_user, record_type="audit_log", record_ref=ref, case=case,
        summary=f"Exported {len(events)} audit rows as CSV: {recipient_summary}",
        details={"recipients": [current_user.email], "rows": len(events),
                 "filters": request.args.to_dict(flat=False)},
    )
    return Response(
        body, mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.route("/cases/<reference>/audit")
def case_audit(reference: str):
    case = policy.get_case_or_404(current_user, reference)
    if not policy.can_view_case_audit(current_user, case):
        abort(403)
    form = AuditFilterForm(request.args)
    events = db.session.scalars(service.case_log(case, _filters(form)).limit(MAX_ROWS)).all()
    return render_template("audit/log.html", form=form, events=events, case=case,
                           subject=None, max_rows=MAX_ROWS)


@bp.route("/cases/<reference>/audit.csv")
def case_audit_csv(reference: str):
    case = policy.get_case_or_404(current_user, reference)
    if not policy.can_view_case_audit(current_user, case):
        abort(403)
    consultation.forget()  # the export is recorded as a disclosure instead
    filters = _filters(AuditFilterForm(request.args))
    events = db.session.scalars(service.case_log(case, filters)).all()
    return _csv_response(
        events, f"audit-{case.reference}-{utcnow():%Y%m%d}.csv",
        recipient_summary=f"audit log of {case.reference}", case=case, ref=case.reference,
    )


@bp.route("/audit/users/<int:user_id>")
def user_activity(user_id: int):
    subject = policy.get_reviewable_user_or_404(current_user, user_id)
    form = AuditFilterForm(request.args)
    events = db.session.scalars(
        service.user_activity(subject, _filters(form)).limit(MAX_ROWS)
    ).all()
    consultation.viewed("audit_log", subject, summary=f"Viewed the activity of {subject.email}")
    return render_template("audit/log.html", form=form, events=events, case=None,
                           subject=subject, max_rows=MAX_ROWS)


@bp.route("/audit/users/<int:user_id>.csv")
def user_activity_csv(user_id: int):
    subject = policy.get_reviewable_user_or_404(current_user, user_id)
    events = db.session.scalars(
        service.user_activity(subject, _filters(AuditFilterForm(request.args)))
    ).all()
    return _csv_response(
        events, f"activity-user-{subject.id}-{utcnow():%Y%m%d}.csv",
        recipient_summary=f"activity of {subject.email}", ref=subject.email,
    )


@bp.route("/audit/staff")
def staff():
    """Supervisors and admins choose whose activity to look at."""
    if not policy.can_review_staff(current_user):
        abort(403)
    users = db.session.scalars(policy.reviewable_staff(current_user)).all()
    return render_template("audit/staff.html", users=users)

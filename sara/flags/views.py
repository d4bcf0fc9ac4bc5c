"""The supervisors' flag queue. Thin: check the role, read the filters, ask the service, render."""

from __future__ import annotations

import re
from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from sara import policy
from sara.core import exports
from sara.core.rules import flash_refusal
from sara.core.templating import format_datetime
from sara.flags import service
from sara.flags.forms import AcknowledgeForm, FlagFilterForm
from sara.flags.models import FLAG_KINDS

bp = Blueprint("flags", __name__, url_prefix="/flags")

PER_PAGE = 50


@bp.before_request
def supervisors_only():
    if not policy.can_see_flag_queue(current_user):
        abort(403)


@bp.route("")
def queue():
    return _render_queue(is_resolved=False)


@bp.route("/resolved")
def resolved():
    return _render_queue(is_resolved=True)


@bp.route("/export.csv")
def export_queue():
    return _export(is_resolved=False)


@bp.route("/resolved/export.csv")
def export_resolved():
    return _export(is_resolved=True)


def _queue_filters(is_resolved: bool) -> tuple[FlagFilterForm, service.QueueFilters]:
    """The queue's filter form and filters from the query string: the queue and its CSV export
    both use this."""
    form = FlagFilterForm(request.args)
    form.set_neighbourhoods(current_user.organisation.neighbourhoods, service.NO_NEIGHBOURHOOD)
    return form, _filters_from(form, is_resolved)


def _export(is_resolved: bool):
    _form, filters = _queue_filters(is_resolved)
    file = exports.flag_rows(service.all_queue_rows(current_user, filters),
                             with_names=policy.can_lookup_people(current_user))
    return exports.csv_download(
        file, "resolved-flags.csv" if is_resolved else "flags.csv", record_type="flag",
        what="resolved flags" if is_resolved else "flags from the flag queue",
    )


def _render_queue(is_resolved: bool):
    form, filters = _queue_filters(is_resolved)
    page = service.flag_queue(current_user, filters, PER_PAGE)
    return render_template(
        "flags/queue.html", form=form, page=page, filters=filters,
        acknowledge_form=AcknowledgeForm(formdata=None), resolved_days=service.RESOLVED_DAYS,
        filter_args=_filter_args(request.args),
    )


def _filters_from(form: FlagFilterForm, is_resolved: bool) -> service.QueueFilters:
    """Use each filter that is valid; an invalid one is reported and ignored, never a 500."""
    form.validate()
    kind = form.kind.data if not form.kind.errors else ""
    neighbourhood = form.neighbourhood.data if not form.neighbourhood.errors else ""
    if neighbourhood and neighbourhood != service.NO_NEIGHBOURHOOD:
        neighbourhood = int(neighbourhood)
    return service.QueueFilters(
        kind=kind or None, neighbourhood=neighbourhood or None, is_resolved=is_resolved,
        page=max(1, request.args.get("page", type=int) or 1),
        raised_month=_month(request.args.get("raised")),
    )


def _month(value: str | None) -> date | None:
    """'2026-03' -> its first day; anything else is ignored (the dashboard's links set it)."""
    value = (value or "").strip()
    if not re.fullmatch(r"(19|2[01])[0-9]{2}-[01][0-9]", value):
        return None
    try:
        return date.fromisoformat(value + "-01")
    except ValueError:
        return None


def _filter_args(values) -> dict:
    """The queue's filters and page from a query string or a posted form, for links back to the
    same view of the queue. Only well-formed values are kept."""
    args = {}
    if values.get("kind") in FLAG_KINDS:
        args["kind"] = values["kind"]
    neighbourhood = values.get("neighbourhood") or ""
    if neighbourhood == service.NO_NEIGHBOURHOOD or neighbourhood.isdigit():
        args["neighbourhood"] = neighbourhood
    if _month(values.get("raised")):
        args["raised"] = values["raised"].strip()
    page = values.get("page") or ""
    if page.isdigit() and int(page) > 1:
        args["page"] = page
    return args


@bp.route("/<int:flag_id>/acknowledge", methods=["POST"])
def acknowledge(flag_id: int):
    flag = policy.get_flag_or_404(current_user, flag_id)
    if not AcknowledgeForm().validate_on_submit():
        abort(400)
    try:
        service.acknowledge(flag, current_user)
    except service.FlagError:
        flash_refusal(service.FlagError(_why_not_acknowledged(flag)))
    else:
        flash(f"Flag acknowledged: {service.describe(flag)}", "success")
    return redirect(url_for("flags.queue", **_filter_args(request.form)))


def _why_not_acknowledged(flag) -> str:
    if flag.status == "acknowledged":
        who = flag.acknowledged_by.name if flag.acknowledged_by else "someone"
        return (f"This flag was already acknowledged by {who} on "
                f"{format_datetime(flag.acknowledged_dt)}.")
    return (f"This flag was resolved on {format_datetime(flag.resolved_dt)}: there is nothing "
            "to acknowledge.")

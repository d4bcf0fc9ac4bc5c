"""Action pages: add to a case, see and work one, and the cross-case lists."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from sara import policy
from sara.actions import service
from sara.actions.forms import ActionForm, ActionNoteForm, StatusForm
from sara.core import exports, unit_of_work
from sara.core.rules import show_on_form

bp = Blueprint("actions", __name__)

CASE_ACTIONS = "/cases/<reference>/actions"


def _status(form) -> int:
    return 400 if "csrf_token" in form.errors else 200


@bp.route(f"{CASE_ACTIONS}/new", methods=["GET", "POST"])
def new_action(reference: str):
    case = policy.get_case_or_404(current_user, reference)
    if not policy.can_add_action(current_user, case):
        abort(403)
    form = ActionForm()
    form.set_targets(*service.allocation_targets(case))
    if form.validate_on_submit():
        try:
            action = service.create_action(case, current_user, form.action_values())
        except service.ActionError as error:
            show_on_form(form, error)
        else:
            flash(f"Action {action.reference} added and allocated to "
                  f"{action.allocated_to_name}.", "success")
            return redirect(url_for("cases.show", reference=case.reference) + "#actions")
    return render_template("actions/form.html", form=form, case=case, action=None), _status(form)


def _load(reference: str, action_ref: str):
    case = policy.get_case_or_404(current_user, reference)
    return case, policy.get_action_or_404(current_user, case, action_ref)


def _page(case, action, status_form=None, note_form=None, code=200):
    status_form = status_form or StatusForm(formdata=None, version=action.version)
    status_form.limit_to(service.TRANSITIONS[action.status])
    return render_template(
        "actions/show.html", case=case, action=action, status_form=status_form,
        note_form=note_form or ActionNoteForm(formdata=None),
    ), code


@bp.route(f"{CASE_ACTIONS}/<action_ref>")
def show(reference: str, action_ref: str):
    return _page(*_load(reference, action_ref))


@bp.route(f"{CASE_ACTIONS}/<action_ref>/status", methods=["POST"])
def change_status(reference: str, action_ref: str):
    case, action = _load(reference, action_ref)
    if not policy.can_work_action(current_user, action):
        abort(403)
    form = StatusForm()
    form.limit_to(service.TRANSITIONS[action.status])
    if not form.validate_on_submit():
        return _page(case, action, status_form=form, code=_status(form))
    try:
        service.change_status(action, current_user, form.to_status.data, form.text.data,
                              int(form.version.data) if form.version.data else None)
    except service.ActionVersionConflict:
        unit_of_work.discard()
        flash("Someone else updated this action while you were looking at it. Check its history "
              "below, then try again.", "error")
        return redirect(url_for("actions.show", reference=reference, action_ref=action_ref))
    except service.ActionError as error:
        show_on_form(form, error)
        return _page(case, action, status_form=form)
    flash(f"Action {action.reference} is now {action.status_label.lower()}.", "success")
    return redirect(url_for("actions.show", reference=reference, action_ref=action_ref))


@bp.route(f"{CASE_ACTIONS}/<action_ref>/notes", methods=["POST"])
def add_note(reference: str, action_ref: str):
    case, action = _load(reference, action_ref)
    if not policy.can_work_action(current_user, action):
        abort(403)
    form = ActionNoteForm()
    if not form.validate_on_submit():
        return _page(case, action, note_form=form, code=_status(form))
    service.add_note(action, current_user, form.text.data)
    flash("Note added.", "success")
    return redirect(url_for("actions.show", reference=reference, action_ref=action_ref))


@bp.route(f"{CASE_ACTIONS}/<action_ref>/edit", methods=["GET", "POST"])
def edit(reference: str, action_ref: str):
    case, action = _load(reference, action_ref)
    if not policy.can_edit_action(current_user, action):
        abort(403)
    form = ActionForm(obj=action if request.method == "GET" else None)
    form.set_targets(*service.allocation_targets(case))
    if request.method == "GET":
        form.version.data = action.version
        form.allocation.data = (f"user:{action.allocated_user_id}" if action.allocated_user_id
                                else f"org:{action.allocated_organisation_id}")
    if form.validate_on_submit():
        try:
            changes = service.update_action(action, current_user, form.action_values(),
                                            int(form.version.data or -1))
        except service.ActionVersionConflict:
            unit_of_work.discard()
            flash("Someone else updated this action while you were editing it: your changes "
                  "were not saved. Check it and edit again.", "error")
            return redirect(url_for("actions.show", reference=reference, action_ref=action_ref))
        except service.ActionError as error:
            show_on_form(form, error)
        else:
            flash("Action saved." if changes else "No changes to save.", "success")
            return redirect(url_for("actions.show", reference=reference, action_ref=action_ref))
    return render_template("actions/form.html", form=form, case=case, action=action), _status(form)


# --- lists -------------------------------------------------------------------------------------

LISTS = {
    "mine": "My actions",
    "organisation": "My organisation's actions",
    "allocated": "Actions I allocated",
    "all": "Actions on cases I can see",
}


@bp.route("/actions")
def my_actions():
    return redirect(url_for("actions.action_list", scope="mine"))


def _list_options() -> dict:
    """The action list's sort and filters from the query string, as keyword arguments of
    service.action_list: the list and its CSV export both use this."""
    sort = request.args.get("sort", "due")
    return {
        "sort": sort if sort in service.ACTION_SORTS else "due",
        "direction": "desc" if request.args.get("dir") == "desc" else "asc",
        "include_finished": request.args.get("finished") == "1",
        # The dashboard's overdue figures link here: overdue=1, and a neighbourhood's id.
        "is_overdue_only": request.args.get("overdue") == "1",
        "neighbourhood_id": _id_or_none(request.args.get("neighbourhood")),
    }


def _id_or_none(value: str | None) -> int | None:
    """A database id from the query string; anything else is ignored."""
    if not value or not (value.isascii() and value.isdigit()) or int(value) >= 2**31:
        return None
    return int(value)


@bp.route("/actions/<any(mine, organisation, allocated, all):scope>")
def action_list(scope: str):
    options = _list_options()
    actions = service.action_list(current_user, scope, **options)
    total = service.count_actions(current_user, scope, **options)
    return render_template(
        "actions/list.html", actions=actions, total=total, scope=scope, lists=LISTS, **options,
    )


@bp.route("/actions/<any(mine, organisation, allocated, all):scope>/export.csv")
def export_actions(scope: str):
    actions = service.action_list(current_user, scope, **_list_options(), limit=None)
    return exports.csv_download(exports.action_rows(actions), f"actions-{scope}.csv",
                                record_type="action", what=f"actions from {LISTS[scope]}")

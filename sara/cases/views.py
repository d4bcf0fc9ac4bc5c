"""Case pages. Thin: parse the form, ask the policy, call the service, render."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from govuk_frontend_wtf.wtforms_widgets import GovSelect
from wtforms import SelectField

from sara import policy
from sara.actions.service import case_actions
from sara.audit import consultation
from sara.cases import queries, service
from sara.cases.forms import (
    AnalysisForm,
    CloseCaseForm,
    EditCaseForm,
    NewCaseForm,
    NoteForm,
    ObjectiveForm,
    RemoveItemForm,
    ReopenCaseForm,
    ScanningForm,
    StageMoveForm,
    TacticForm,
)
from sara.cases.taxonomy import ANALYSIS_FIELDS, PROBLEM_TYPES, STAGE_ORDER, STAGES, STATUSES
from sara.core import exports, unit_of_work
from sara.core.forms import BaseForm, DateFilterField
from sara.core.rules import flash_refusal, show_on_form
from sara.core.types import today
from sara.evaluation import figures
from sara.evaluation import service as evaluation_service
from sara.evaluation.models import OUTCOMES
from sara.extensions import db
from sara.flags.service import live_flags_for_case
from sara.partners.service import live_shares
from sara.people import service as people_service

bp = Blueprint("cases", __name__, url_prefix="/cases")


# --- list --------------------------------------------------------------------------------------

class _DayField(DateFilterField):
    """A day in the GOV.UK day, month and year boxes, or as 2026-03-31 (the form the dashboard's
    links and old bookmarks use). A bad one is reported by name and ignored, like any other
    filter; so is a year outside 1900 to 2200, which bounds nothing and could overflow."""

    def __init__(self, label, **kwargs):
        kwargs.setdefault("description", "For example, 31 3 2026")
        super().__init__(label, **kwargs)

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError as exc:
            self.data = None
            raise ValueError(f"{self.label.text} must be a real date, with a day, month and "
                             "year") from exc
        if self.data is not None and not 1900 <= self.data.year <= 2200:
            self.data = None
            raise ValueError(f"{self.label.text} must be a real date, with a day, month and "
                             "year")


class CaseFilterForm(BaseForm):
    class Meta:
        csrf = False

    # default="": a filter left out of the query string means "any", not an invalid choice.
    stage = SelectField(
        "Stage", widget=GovSelect(), choices=[("", "Any stage"), *STAGES.items()], default=""
    )
    status = SelectField(
        "Status", widget=GovSelect(), choices=[("", "Any status"), *STATUSES.items()], default=""
    )
    neighbourhood = SelectField("Neighbourhood", widget=GovSelect(), default="")
    problem_type = SelectField(
        "Problem type", widget=GovSelect(), choices=[("", "Any type"), *PROBLEM_TYPES.items()],
        default="",
    )
    owner = SelectField("Owner", widget=GovSelect(), default="")
    review = SelectField(
        "Review", widget=GovSelect(),
        choices=[("", "Any review date"), *queries.REVIEW_FILTERS.items()], default="",
    )
    evaluation = SelectField(
        "Evaluation", widget=GovSelect(),
        choices=[("", "Any evaluation"), *queries.EVALUATION_FILTERS.items()], default="",
    )
    unevaluated = SelectField(
        "Closure", widget=GovSelect(),
        choices=[("", "Any case"), ("1", "Closed without an approved evaluation")], default="",
    )
    outcome = SelectField(
        "Evaluation outcome", widget=GovSelect(),
        choices=[("", "Any outcome"), *OUTCOMES.items()], default="",
    )
    opened_from = _DayField("Opened on or after")
    opened_to = _DayField("Opened on or before")
    closed_from = _DayField("Closed on or after")
    closed_to = _DayField("Closed on or before")

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for first, last, what in (("opened_from", "opened_to", "opening"),
                                  ("closed_from", "closed_to", "closing")):
            if self[first].data and self[last].data and self[first].data > self[last].data:
                self[last].errors = [*self[last].errors, f"The last {what} date must be the same "
                                     f"as or after the first {what} date"]
                valid = False
        return valid


def _int_or_none(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


def _filters_from_request(form: CaseFilterForm, owner_id: int | None = None) -> queries.CaseFilters:
    """Use each filter that is valid; an invalid one is reported and ignored, never a 500."""
    form.validate()
    field_ok = {name: not form[name].errors for name in form._fields}
    data = {name: (form[name].data if field_ok[name] else None) for name in form._fields}
    sort = request.args.get("sort", queries.DEFAULT_SORT[0])
    direction = request.args.get("dir", queries.DEFAULT_SORT[1])
    filters = queries.CaseFilters(
        stage=data["stage"] or None,
        status=data["status"] or None,
        neighbourhood_id=_int_or_none(data["neighbourhood"]),
        problem_type=data["problem_type"] or None,
        owner_id=owner_id or _int_or_none(data["owner"]),
        review=data["review"] or None,
        evaluation=data["evaluation"] or None,
        is_unevaluated=data["unevaluated"] == "1",
        outcome=data["outcome"] or None,
        opened_from=data["opened_from"], opened_to=data["opened_to"],
        closed_from=data["closed_from"], closed_to=data["closed_to"],
        sort=sort if sort in queries.SORTS else queries.DEFAULT_SORT[0],
        direction=direction if direction in ("asc", "desc") else queries.DEFAULT_SORT[1],
        page=max(1, _int_or_none(request.args.get("page")) or 1),
    )
    return filters


def _list_filters(owner_id: int | None = None) -> tuple[CaseFilterForm, queries.CaseFilters]:
    """The case list's filter form and filters from the query string: the list and its CSV
    export both use this, so the file always holds what the list shows."""
    form = CaseFilterForm(request.args)
    neighbourhoods, owners = queries.filter_options(current_user)
    form.neighbourhood.choices = [("", "Any neighbourhood")] + [
        (str(n.id), n.name) for n in neighbourhoods
    ]
    form.owner.choices = [("", "Anyone")] + [(str(u.id), u.name) for u in owners]
    return form, _filters_from_request(form, owner_id)


def _render_list(title: str, owner_id: int | None = None):
    form, filters = _list_filters(owner_id)
    page = queries.case_page(current_user, filters, current_app.config["CASES_PER_PAGE"])
    # Each filter given a value, valid or not: the filter panel is open when there are any.
    filters_applied = sum(1 for field in form if field.data or field.errors)
    return render_template(
        "cases/list.html", title=title, form=form, page=page, filters=filters,
        mine=owner_id is not None, filters_applied=filters_applied,
    )


@bp.route("")
def case_list():
    return _render_list("Cases" if current_user.is_police else "Cases shared with us")


@bp.route("/mine")
def my_cases():
    return _render_list("My cases", owner_id=current_user.id)


@bp.route("/export.csv")
def export_cases():
    return _export_list("cases from the case list", "cases.csv")


@bp.route("/mine/export.csv")
def export_my_cases():
    return _export_list("cases from My cases", "my-cases.csv", owner_id=current_user.id)


def _export_list(what: str, filename: str, owner_id: int | None = None):
    _form, filters = _list_filters(owner_id)
    return exports.csv_download(exports.case_rows(current_user, filters), filename,
                                record_type="case", what=what)


# --- create ------------------------------------------------------------------------------------

@bp.route("/new", methods=["GET", "POST"])
def new_case():
    if not policy.can_create_case(current_user):
        abort(403)
    form = NewCaseForm()
    form.set_neighbourhoods(current_user.organisation.neighbourhoods)
    if form.validate_on_submit():
        try:
            case = service.create_case(current_user, form.case_values())
        except service.CaseRuleError as error:
            show_on_form(form, error)
        else:
            flash(f"Case {case.reference} created.", "success")
            return redirect(url_for("cases.show", reference=case.reference))
    return render_template("cases/new.html", form=form), _status(form)


# --- view --------------------------------------------------------------------------------------

def _people_shown(case, people) -> None:
    """Each person whose details a case page shows is a consultation of their record."""
    for link in people or ():
        consultation.viewed("person", link.person, case=case,
                            summary=f"Viewed the personal details of {link.person.reference}")


def _render_case(case, note_form=None, status=200):
    show_people = policy.can_see_personal_details(current_user, case)
    people = people_service.case_people(case) if show_people else None
    _people_shown(case, people)
    return render_template(
        "cases/show.html", case=case, events=service.timeline(case)[:10],
        analysis_fields=ANALYSIS_FIELDS, stages=STAGES, stage_order=STAGE_ORDER,
        people=people, people_counts=people_service.role_counts(case),
        shares=live_shares(case), actions=case_actions(case),
        case_flags=(live_flags_for_case(case)
                    if policy.can_see_case_flags(current_user, case) else []),
        note_form=note_form or NoteForm(formdata=None),
    ), status


@bp.route("/<reference>")
def show(reference: str):
    return _render_case(policy.get_case_or_404(current_user, reference))


@bp.route("/<reference>/notes", methods=["POST"])
def add_note(reference: str):
    case = policy.get_case_or_404(current_user, reference)
    if not policy.can_add_note(current_user, case):
        abort(403)
    form = NoteForm()
    if not form.validate_on_submit():
        return _render_case(case, note_form=form, status=_status(form))
    service.add_note(case, current_user, form.text.data)
    flash("Note added.", "success")
    return redirect(url_for("cases.show", reference=case.reference) + "#history")


@bp.route("/<reference>/summary")
def summary(reference: str):
    """The whole case on paper: details, every stage, actions and the evaluation."""
    case = policy.get_case_or_404(current_user, reference)
    people = (people_service.case_people(case)
              if policy.can_see_personal_details(current_user, case) else None)
    _people_shown(case, people)
    evaluation = case.evaluation
    return render_template(
        "cases/summary.html", case=case, stages=STAGES, stage_order=STAGE_ORDER,
        analysis_fields=ANALYSIS_FIELDS, people=people,
        people_counts=people_service.role_counts(case), actions=case_actions(case),
        stage_moves=service.stage_moves(case), evaluation=evaluation,
        impact=evaluation_service.impact(evaluation) if evaluation else None,
        figure_source=lambda field: figures.describe_source(evaluation, field),
        printed_on=today(),
    )


@bp.route("/<reference>/timeline")
def timeline(reference: str):
    case = policy.get_case_or_404(current_user, reference)
    return render_template("cases/timeline.html", case=case, events=service.timeline(case))


# --- edit forms --------------------------------------------------------------------------------

def _status(form) -> int:
    if request.method != "POST" or not form.errors:
        return 200
    return 400 if "csrf_token" in form.errors else 200


def _conflict_page(template: str, form, case_reference: str, expected: int, **context):
    """The case changed under the user: show who changed what, keep their typing."""
    unit_of_work.discard()
    case = policy.get_case_or_404(current_user, case_reference)
    changes = service.changes_since(case, expected)
    # The form now targets the current version: saving again is a deliberate choice.
    form.version.data = case.version
    return render_template(template, form=form, case=case, conflict=changes, **context), 409


def _edit_fields(reference: str, form_class, can, title: str, prepare=None):
    case = policy.get_case_or_404(current_user, reference)
    if not can(current_user, case):
        abort(403)
    form = form_class(obj=case if request.method == "GET" else None)
    if prepare:
        prepare(form, case)
    if request.method == "GET":
        form.version.data = case.version
    template = "cases/edit.html"
    if form.validate_on_submit():
        try:
            changes = service.update_fields(
                case, current_user, form.case_values(), form.expected_version
            )
        except service.VersionConflict as conflict:
            return _conflict_page(template, form, reference, conflict.expected_version, title=title)
        except service.CaseRuleError as error:
            show_on_form(form, error)
        else:
            flash(f"{title} saved." if changes else "No changes to save.", "success")
            return redirect(url_for("cases.show", reference=case.reference))
    return render_template(template, form=form, case=case, title=title), _status(form)


def _prepare_details(form, case):
    form.set_neighbourhoods(case.organisation.neighbourhoods)
    form.set_owners(db.session.scalars(policy.assignable_owners(current_user)).all())


@bp.route("/<reference>/edit", methods=["GET", "POST"])
def edit(reference: str):
    return _edit_fields(reference, EditCaseForm, policy.can_edit_case, "Case details",
                        _prepare_details)


@bp.route("/<reference>/scanning", methods=["GET", "POST"])
def edit_scanning(reference: str):
    return _edit_fields(reference, ScanningForm, policy.can_edit_case, "Scanning")


@bp.route("/<reference>/analysis", methods=["GET", "POST"])
def edit_analysis(reference: str):
    return _edit_fields(reference, AnalysisForm, policy.can_edit_analysis, "Analysis")


# --- response: objectives and tactics ----------------------------------------------------------

def _response_page(case, objective_form=None, tactic_form=None, conflict=None, status=200):
    objective_form = objective_form or ObjectiveForm(formdata=None, version=case.version)
    tactic_form = tactic_form or TacticForm(formdata=None, version=case.version)
    remove_form = RemoveItemForm(formdata=None, version=case.version)
    return render_template(
        "cases/response.html", case=case, objective_form=objective_form,
        tactic_form=tactic_form, remove_form=remove_form, conflict=conflict,
    ), status


def _response_conflict(reference, expected, **forms):
    unit_of_work.discard()
    case = policy.get_case_or_404(current_user, reference)
    for form in forms.values():
        form.version.data = case.version
    return _response_page(case, conflict=service.changes_since(case, expected), status=409, **forms)


def _response_case(reference):
    case = policy.get_case_or_404(current_user, reference)
    if not policy.can_edit_response(current_user, case):
        abort(403)
    return case


@bp.route("/<reference>/response")
def edit_response(reference: str):
    return _response_page(_response_case(reference))


@bp.route("/<reference>/objectives", methods=["POST"])
def add_objective(reference: str):
    case = _response_case(reference)
    form = ObjectiveForm()
    if not form.validate_on_submit():
        return _response_page(case, objective_form=form, status=_status(form))
    try:
        service.add_objective(case, current_user, form.text.data, form.expected_version)
    except service.VersionConflict as conflict:
        return _response_conflict(reference, conflict.expected_version, objective_form=form)
    flash("Objective added.", "success")
    return redirect(url_for("cases.edit_response", reference=reference))


@bp.route("/<reference>/tactics", methods=["POST"])
def add_tactic(reference: str):
    case = _response_case(reference)
    form = TacticForm()
    if not form.validate_on_submit():
        return _response_page(case, tactic_form=form, status=_status(form))
    try:
        service.add_tactic(
            case, current_user, category=form.category.data,
            triangle_side=form.triangle_side.data, description=form.description.data,
            expected_version=form.expected_version,
        )
    except service.VersionConflict as conflict:
        return _response_conflict(reference, conflict.expected_version, tactic_form=form)
    flash("Tactic added.", "success")
    return redirect(url_for("cases.edit_response", reference=reference))


def _remove(reference: str, remove, item_id: int, noun: str):
    case = _response_case(reference)
    form = RemoveItemForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        remove(case, current_user, item_id, form.expected_version)
    except service.VersionConflict as conflict:
        return _response_conflict(reference, conflict.expected_version)
    except service.CaseRuleError as error:
        flash_refusal(error)
        return redirect(url_for("cases.edit_response", reference=reference))
    flash(f"{noun} removed.", "success")
    return redirect(url_for("cases.edit_response", reference=reference))


@bp.route("/<reference>/objectives/<int:item_id>/remove", methods=["POST"])
def remove_objective(reference: str, item_id: int):
    return _remove(reference, service.remove_objective, item_id, "Objective")


@bp.route("/<reference>/tactics/<int:item_id>/remove", methods=["POST"])
def remove_tactic(reference: str, item_id: int):
    return _remove(reference, service.remove_tactic, item_id, "Tactic")


# --- stage moves, closing, reopening -----------------------------------------------------------

def _transition(reference: str, form_class, can, template: str, apply, done: str, prefill=None):
    case = policy.get_case_or_404(current_user, reference)
    if not can(current_user, case):
        abort(403)
    form = form_class()
    if request.method == "GET":
        form.version.data = case.version
        if prefill:
            prefill(form, case)
    if form.validate_on_submit():
        try:
            apply(case, form)
        except service.VersionConflict as conflict:
            return _conflict_page(template, form, reference, conflict.expected_version)
        except service.CaseRuleError as error:
            show_on_form(form, error)
        else:
            flash(done.format(case=case), "success")
            return redirect(url_for("cases.show", reference=case.reference))
    return render_template(template, form=form, case=case), _status(form)


def _prefill_next_stage(form, case):
    requested = request.args.get("to")
    if requested in STAGES:
        form.to_stage.data = requested
    elif case.stage_index + 1 < len(STAGE_ORDER):
        form.to_stage.data = STAGE_ORDER[case.stage_index + 1]


@bp.route("/<reference>/stage", methods=["GET", "POST"])
def move_stage(reference: str):
    return _transition(
        reference, StageMoveForm, policy.can_move_stage, "cases/stage.html",
        lambda case, form: service.move_stage(
            case, current_user, form.to_stage.data, form.reason.data, form.expected_version
        ),
        "Case moved to {case.stage_label}.", _prefill_next_stage,
    )


@bp.route("/<reference>/close", methods=["GET", "POST"])
def close(reference: str):
    return _transition(
        reference, CloseCaseForm, policy.can_close_case, "cases/close.html",
        lambda case, form: service.close_case(
            case, current_user, form.closure_reason.data, form.closure_note.data,
            form.expected_version,
        ),
        "Case {case.reference} closed.",
    )


@bp.route("/<reference>/reopen", methods=["GET", "POST"])
def reopen(reference: str):
    return _transition(
        reference, ReopenCaseForm, policy.can_reopen_case, "cases/reopen.html",
        lambda case, form: service.reopen_case(
            case, current_user, form.reason.data, form.expected_version
        ),
        "Case {case.reference} reopened.",
    )

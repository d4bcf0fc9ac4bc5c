"""The evaluation page (Assessment), its sign-off, the case study written for the good-practice
library, and supervisors' reviews."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from sara import policy
from sara.admin.forms import ConfirmForm
from sara.core import unit_of_work
from sara.core.rules import show_on_form
from sara.evaluation import figures, service
from sara.evaluation.forms import DecisionForm, ReviewForm, evaluation_form_for
from sara.library import service as library_service
from sara.library.forms import CaseStudyForm, PublicationForm
from sara.library.models import CASE_STUDY_SECTIONS

bp = Blueprint("evaluation", __name__, url_prefix="/cases/<reference>")


def _status(form) -> int:
    return 400 if "csrf_token" in form.errors else 200


def _page(case, form=None, decision=None, code=200):
    evaluation = case.evaluation
    if form is None and evaluation is not None and evaluation.status == "draft" \
            and policy.can_edit_evaluation(current_user, case):
        form = evaluation_form_for(evaluation)
    return render_template(
        "evaluation/show.html", case=case, evaluation=evaluation, form=form,
        decision=decision or DecisionForm(
            formdata=None, version=evaluation.version if evaluation else None,
            is_good_practice=evaluation.is_good_practice if evaluation else False),
        confirm=ConfirmForm(formdata=None),
        impact=service.impact(evaluation) if evaluation else None,
        figure_source=lambda field: figures.describe_source(evaluation, field),
        status=service.status_of(case),
    ), code


@bp.route("/evaluation")
def show(reference: str):
    return _page(policy.get_case_or_404(current_user, reference))


@bp.route("/evaluation/start", methods=["POST"])
def start(reference: str):
    case = policy.get_case_or_404(current_user, reference)
    if not policy.can_edit_evaluation(current_user, case):
        abort(403)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        service.start(case, current_user)
    except service.EvaluationError as error:
        unit_of_work.discard()
        flash(error.message, "error")
    return redirect(url_for("evaluation.show", reference=reference))


@bp.route("/evaluation", methods=["POST"])
def save(reference: str):
    case = policy.get_case_or_404(current_user, reference)
    if not policy.can_edit_evaluation(current_user, case) or case.evaluation is None:
        abort(403)
    evaluation = case.evaluation
    form = evaluation_form_for(evaluation, formdata=request.form)
    submitting = bool(form.save_and_submit.data)
    filled: list[str] = []
    if submitting and not policy.can_submit_evaluation(current_user, case):
        abort(403)
    if not form.validate_on_submit():
        return _page(case, form=form, code=_status(form))
    try:
        service.update(evaluation, current_user, form.values(), form.tactic_rows(evaluation),
                       form.objective_rows(evaluation), int(form.version.data or -1))
        # One action: what was just saved is submitted (or its counts filled), or, if that is
        # refused, nothing is kept and the form comes back with everything typed.
        if submitting:
            service.submit(evaluation, current_user)
        elif form.save_and_fill.data:
            filled = service.fill_from_incidents(evaluation, current_user)
    except service.EvaluationVersionConflict:
        unit_of_work.discard()
        case = policy.get_case_or_404(current_user, reference)
        form.version.data = case.evaluation.version
        form.form_errors.append(
            "Someone else saved this evaluation while you were editing it. Your changes are "
            "below but were not saved: check the case timeline, then save again.")
        return _page(case, form=form, code=409)
    except (service.EvaluationError, figures.FiguresError) as error:
        unit_of_work.discard()
        case = policy.get_case_or_404(current_user, reference)
        show_on_form(form, error)
        return _page(case, form=form)
    if submitting:
        flash("Evaluation saved and submitted for sign-off.", "success")
    elif form.save_and_fill.data:
        flash(f"Evaluation saved, and {len(filled)} counts filled from incident data. You can "
              "still change them.", "success")
    else:
        flash("Evaluation saved.", "success")
    return redirect(url_for("evaluation.show", reference=reference))


def _decide(reference: str, allowed, act, done: str):
    case = policy.get_case_or_404(current_user, reference)
    if not allowed(current_user, case) or case.evaluation is None:
        abort(403)
    decision = DecisionForm()
    if not decision.validate_on_submit():
        return _page(case, decision=decision, code=_status(decision))
    try:
        act(case.evaluation, decision)
    except (service.EvaluationError, service.EvaluationVersionConflict) as error:
        unit_of_work.discard()
        case = policy.get_case_or_404(current_user, reference)
        message = getattr(error, "message", "The evaluation changed: reload and try again.")
        decision.comments.errors = [message] if getattr(error, "field", None) == "comments" \
            else []
        if not decision.comments.errors:
            decision.form_errors.append(message)
        return _page(case, decision=decision)
    flash(done, "success")
    return redirect(url_for("evaluation.show", reference=reference))


@bp.route("/evaluation/figures", methods=["POST"])
def fill_figures(reference: str):
    case = policy.get_case_or_404(current_user, reference)
    if not policy.can_edit_evaluation(current_user, case) or case.evaluation is None:
        abort(403)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        filled = service.fill_from_incidents(case.evaluation, current_user)
    except figures.FiguresError as error:
        unit_of_work.discard()
        flash(error.message, "error")
    else:
        flash(f"Filled {len(filled)} counts from incident data. You can still change them.",
              "success")
    return redirect(url_for("evaluation.show", reference=reference))


def _version(form) -> int | None:
    return int(form.version.data) if str(form.version.data or "").isdigit() else None


@bp.route("/evaluation/submit", methods=["POST"])
def submit(reference: str):
    return _decide(reference, policy.can_submit_evaluation,
                   lambda ev, form: service.submit(ev, current_user, _version(form)),
                   "Evaluation submitted for sign-off.")


@bp.route("/evaluation/approve", methods=["POST"])
def approve(reference: str):
    return _decide(reference, policy.can_decide_evaluation,
                   lambda ev, form: service.approve(
                       ev, current_user, form.comments.data, _version(form),
                       is_good_practice=bool(form.is_good_practice.data)),
                   "Evaluation approved.")


@bp.route("/evaluation/return", methods=["POST"])
def return_to_draft(reference: str):
    return _decide(reference, policy.can_decide_evaluation,
                   lambda ev, form: service.return_to_draft(ev, current_user, form.comments.data,
                                                            _version(form)),
                   "Evaluation returned to draft with your comments.")


# --- the case study -----------------------------------------------------------------------------

def _case_study_page(case, form=None, publication=None, conflict=False, code=200):
    study = case.case_study
    if form is None and policy.can_write_case_study(current_user, case):
        form = CaseStudyForm(formdata=None, obj=study)
        form.version.data = study.version if study else ""
    return render_template(
        "evaluation/case_study.html", case=case, study=study, form=form,
        publication=publication or PublicationForm(
            formdata=None, version=study.version if study else ""),
        sections=CASE_STUDY_SECTIONS, conflict=conflict,
        # What the check would refuse, so the writer can fix it before a supervisor tries.
        findings=library_service.check_case_study(study) if study else [],
    ), code


def _case_study_case(reference: str, allowed):
    case = policy.get_case_or_404(current_user, reference)
    if not allowed(current_user, case):
        abort(403)
    return case


@bp.route("/case-study")
def case_study(reference: str):
    return _case_study_page(_case_study_case(reference, policy.can_view_case_study))


@bp.route("/case-study", methods=["POST"])
def save_case_study(reference: str):
    case = _case_study_case(reference, policy.can_write_case_study)
    form = CaseStudyForm()
    publishing = bool(form.save_and_publish.data)
    if publishing and not policy.can_publish_case_study(current_user, case):
        abort(403)
    if not form.validate_on_submit():
        return _case_study_page(case, form=form, code=_status(form))
    try:
        library_service.save_case_study(case, current_user, form.values(), _version(form))
        if publishing:
            # Refused (a linked person's detail), nothing is kept: the form comes back as typed.
            library_service.publish_case_study(case, current_user)
    except library_service.CaseStudyVersionConflict:
        unit_of_work.discard()
        case = policy.get_case_or_404(current_user, reference)
        form.version.data = case.case_study.version if case.case_study else ""
        form.form_errors.append(
            "Someone else saved this case study while you were writing. Your text is below but "
            "was not saved: compare it with the saved case study, then save again.")
        return _case_study_page(case, form=form, conflict=True, code=409)
    except library_service.CaseStudyError as error:
        unit_of_work.discard()
        case = policy.get_case_or_404(current_user, reference)
        show_on_form(form, error)
        return _case_study_page(case, form=form)
    flash("Case study saved and published in the good-practice library." if publishing
          else "Case study saved.", "success")
    return redirect(url_for("evaluation.case_study", reference=reference))


def _publication(reference: str, act, done: str):
    case = _case_study_case(reference, policy.can_publish_case_study)
    publication = PublicationForm()
    if not publication.validate_on_submit():
        return _case_study_page(case, publication=publication, code=_status(publication))
    try:
        act(case, _version(publication))
    except (library_service.CaseStudyError, library_service.CaseStudyVersionConflict) as error:
        unit_of_work.discard()
        case = policy.get_case_or_404(current_user, reference)
        publication.form_errors.append(getattr(
            error, "message", "The case study changed while you were reading it: read it "
                              "again, then try again."))
        return _case_study_page(case, publication=publication)
    flash(done, "success")
    return redirect(url_for("evaluation.case_study", reference=reference))


@bp.route("/case-study/publish", methods=["POST"])
def publish_case_study(reference: str):
    return _publication(
        reference, lambda case, version: library_service.publish_case_study(
            case, current_user, expected_version=version),
        "Case study published in the good-practice library.")


@bp.route("/case-study/withdraw", methods=["POST"])
def withdraw_case_study(reference: str):
    return _publication(
        reference, lambda case, version: library_service.withdraw_case_study(
            case, current_user, expected_version=version),
        "Case study withdrawn from the good-practice library.")


@bp.route("/review", methods=["GET", "POST"])
def review(reference: str):
    case = policy.get_case_or_404(current_user, reference)
    if not policy.can_review_case(current_user, case):
        abort(403)
    form = ReviewForm()
    if request.method == "GET":
        form.next_review_date.data = service.default_next_review(case)
    if form.validate_on_submit():
        try:
            service.record_review(case, current_user, form.outcome.data, form.comments.data,
                                  form.next_review_date.data)
        except service.EvaluationError as error:
            show_on_form(form, error)
        else:
            flash("Review recorded.", "success")
            return redirect(url_for("cases.show", reference=reference))
    return render_template("evaluation/review.html", form=form, case=case,
                           reviews=service.reviews(case)), _status(form)

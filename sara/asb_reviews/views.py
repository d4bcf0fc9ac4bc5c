"""ASB case review pages: the list, recording an application, the review's page with the form of
each step, and the two letters."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from sara import policy
from sara.asb_reviews import figures, service
from sara.asb_reviews.forms import (
    ApplicationForm,
    DecisionForm,
    EscalationRequestForm,
    EscalationResultForm,
    FiguresForm,
    LetterSentForm,
    MeetingForm,
    ParticipantForm,
    RecommendationForm,
)
from sara.asb_reviews.models import LIVE_STATUSES, REVIEW_STATUSES, AsbReview
from sara.audit import consultation
from sara.core import exports, unit_of_work
from sara.core.rules import flash_refusal, show_on_form
from sara.core.types import date_in_words, today
from sara.extensions import db

bp = Blueprint("asb_reviews", __name__, url_prefix="/asb-case-reviews")

REVIEW = "/<review_ref>"


def _status(form) -> int:
    return 400 if "csrf_token" in form.errors else 200


def _review(review_ref: str) -> AsbReview:
    return policy.get_asb_review_or_404(current_user, review_ref)


def _running(review_ref: str) -> AsbReview:
    review = _review(review_ref)
    if not policy.can_run_asb_review(current_user, review):
        abort(403)
    return review


def _deciding(review_ref: str) -> AsbReview:
    review = _review(review_ref)
    if not policy.can_decide_asb_review(current_user, review):
        abort(403)
    return review


def _to_review(review: AsbReview, anchor: str = ""):
    return redirect(url_for("asb_reviews.show", review_ref=review.reference)
                    + (f"#{anchor}" if anchor else ""))


# --- the list ----------------------------------------------------------------------------------

@bp.route("")
def review_list():
    if not policy.can_list_asb_reviews(current_user):
        abort(404)
    wanted = request.args.get("status", "live")
    query = policy.visible_asb_reviews(current_user)
    if wanted == "live":
        query = query.where(AsbReview.status.in_(LIVE_STATUSES))
    elif wanted in REVIEW_STATUSES:
        query = query.where(AsbReview.status == wanted)
    else:
        wanted = "all"
    reviews = db.session.scalars(
        query.order_by(AsbReview.received_date.desc(), AsbReview.id.desc()).limit(500)).all()
    consultation.listed("asb_review", reviews, summary=consultation.counted(
        len(reviews), "ASB case review"))
    return render_template("asb_reviews/list.html", reviews=reviews, wanted=wanted,
                           statuses=REVIEW_STATUSES, today=today())


# --- the published figures (s.104(10)) ---------------------------------------------------------

def _figures_request() -> tuple[FiguresForm, figures.Figures | None]:
    """The form as asked, and the figures for its period and area (None if either is wrong)."""
    if not policy.can_list_asb_reviews(current_user):
        abort(404)  # as the list page
    if not policy.can_see_asb_review_figures(current_user):
        abort(403)
    form = FiguresForm(request.args)
    form.set_areas(current_user.organisation.neighbourhoods)
    if not form.validate():
        return form, None
    start, end = (form.start.data, form.end.data) if form.start.data \
        else figures.default_period(today())
    form.start.data, form.end.data = start, end  # show the period counted
    return form, figures.figures(current_user, start, end, form.area_id())


@bp.route("/figures")
def figures_page():
    form, result = _figures_request()
    return render_template("asb_reviews/figures.html", form=form, result=result,
                           columns=figures.COLUMNS)


@bp.route("/figures.csv")
def figures_csv():
    form, result = _figures_request()
    if result is None:
        # No file for a period that is not one: the page says what is wrong.
        return render_template("asb_reviews/figures.html", form=form, result=None,
                               columns=figures.COLUMNS), 400
    file = exports.Disclosed(figures.HEADER, figures.rows(result))
    return exports.csv_download(
        file, f"asb-case-review-figures-{result.start.isoformat()}-to-{result.end.isoformat()}"
              ".csv", record_type="asb_review",
        what="rows of ASB case review figures (counts only)")


# --- 1. the application ------------------------------------------------------------------------

@bp.route("/new/<person_ref>", methods=["GET", "POST"])
def new_application(person_ref: str):
    if not policy.can_record_asb_review(current_user):
        abort(404)
    person = policy.get_person_or_404(current_user, person_ref)
    form = ApplicationForm()
    cases = service.cases_for(person)
    consultation.listed("case", cases, summary=f"Listed the cases an application for "
                                               f"{person.reference} can be about")
    form.set_choices(service.receiving_bodies(), cases,
                     current_user.organisation.neighbourhoods)
    if request.method == "GET":
        form.received_by_id.data = current_user.organisation_id
    if form.validate_on_submit():
        try:
            review = service.record_application(current_user, person, form.values())
        except service.AsbReviewError as error:
            show_on_form(form, error)
        else:
            flash(f"Application {review.reference} recorded. The threshold decision is due by "
                  f"{date_in_words(review.decision_due_date)}.", "success")
            return _to_review(review)
    return render_template("asb_reviews/application.html", form=form, person=person), \
        _status(form)


def _shows_the_victim(review: AsbReview) -> None:
    if policy.can_see_asb_review_people(current_user, review):
        consultation.viewed("person", review.person,
                            summary=f"Viewed as the victim in ASB case review {review.reference}")


# --- the review's page -------------------------------------------------------------------------

def _page(review: AsbReview, code: int = 200, **forms):
    may_run = policy.can_run_asb_review(current_user, review)
    _shows_the_victim(review)
    may_decide = policy.can_decide_asb_review(current_user, review)
    participant_form = forms.get("participant_form")
    if may_run and participant_form is None:
        participant_form = ParticipantForm(formdata=None)
    if participant_form is not None:
        participant_form.set_choices(service.participant_bodies(review))
    return render_template(
        "asb_reviews/show.html", review=review, may_run=may_run, may_decide=may_decide,
        may_see_people=policy.can_see_asb_review_people(current_user, review),
        decision_form=forms.get("decision_form") or DecisionForm(formdata=None,
                                                                 version=review.version),
        participant_form=participant_form,
        meeting_form=forms.get("meeting_form") or MeetingForm(formdata=None,
                                                              version=review.version),
        escalation_form=forms.get("escalation_form") or EscalationRequestForm(formdata=None),
        escalation_result_form=forms.get("escalation_result_form")
        or EscalationResultForm(formdata=None),
        letter_form=LetterSentForm(formdata=None),
        evidence=review.threshold_evidence or {}, today=today(),
    ), code


@bp.route(REVIEW)
def show(review_ref: str):
    return _page(_review(review_ref))


def _step(review: AsbReview, form, key: str, do, done: str, anchor: str):
    """Validate `form`, run the service step `do`, and answer: the review again with a message,
    or the page with the form's errors (and nothing of the step kept)."""
    if not form.validate_on_submit():
        unit_of_work.discard()
        return _page(review, _status(form), **{key: form})
    try:
        version = getattr(form, "version", None)
        service.check_version(review, int(version.data) if version is not None
                              and str(version.data or "").isdigit() else None)
        do()
    except service.AsbReviewVersionConflict:
        unit_of_work.discard()
        flash("Someone else changed this review while you were looking at it. Check it below, "
              "then try again.", "error")
        return _to_review(review, anchor)
    except service.AsbReviewError as error:
        show_on_form(form, error)
        return _page(review, **{key: form})
    flash(done, "success")
    return _to_review(review, anchor)


@bp.route(f"{REVIEW}/decision", methods=["POST"])
def decide(review_ref: str):
    review = _deciding(review_ref)
    form = DecisionForm()
    return _step(review, form, "decision_form",
                 lambda: service.decide_threshold(review, current_user,
                                                  {"yes": True, "no": False}.get(
                                                      form.is_threshold_met.data),
                                                  form.reasons.data),
                 "Threshold decision recorded. Send the applicant the decision letter.",
                 "decision")


@bp.route(f"{REVIEW}/participants", methods=["POST"])
def add_participant(review_ref: str):
    review = _running(review_ref)
    form = ParticipantForm()
    form.set_choices(service.participant_bodies(review))
    return _step(review, form, "participant_form",
                 lambda: service.add_participant(review, current_user, form.values()),
                 "Body added to the review.", "meeting")


@bp.route(f"{REVIEW}/participants/<int:participant_id>/remove", methods=["POST"])
def remove_participant(review_ref: str, participant_id: int):
    review = _running(review_ref)
    form = LetterSentForm()  # a button and its CSRF token
    if not form.validate_on_submit():
        abort(400)
    try:
        service.remove_participant(review, current_user, participant_id)
    except service.AsbReviewError as error:
        flash_refusal(error)
    else:
        flash("Body removed from the review.", "success")
    return _to_review(review, "meeting")


@bp.route(f"{REVIEW}/meeting", methods=["POST"])
def record_meeting(review_ref: str):
    review = _running(review_ref)
    form = MeetingForm()
    return _step(review, form, "meeting_form",
                 lambda: service.record_meeting(review, current_user, form.values()),
                 "Review meeting recorded. Add its recommendations, then send the outcome letter.",
                 "recommendations")


@bp.route(f"{REVIEW}/escalation", methods=["POST"])
def request_escalation(review_ref: str):
    review = _running(review_ref)
    form = EscalationRequestForm()
    return _step(review, form, "escalation_form",
                 lambda: service.request_escalation(review, current_user, form.values()),
                 "Request recorded. A supervisor records its result.", "escalation")


@bp.route(f"{REVIEW}/escalation/result", methods=["POST"])
def decide_escalation(review_ref: str):
    review = _deciding(review_ref)
    form = EscalationResultForm()
    return _step(review, form, "escalation_result_form",
                 lambda: service.decide_escalation(review, current_user, form.values()),
                 "Result of the request recorded.", "escalation")


# --- 4. recommendations ------------------------------------------------------------------------

def _case_choices(review: AsbReview):
    cases = service.cases_for(review.person)
    if review.case is not None and review.case not in cases:
        cases.insert(0, review.case)
    return cases


@bp.route(f"{REVIEW}/recommendations/new", methods=["GET", "POST"])
def new_recommendation(review_ref: str):
    """Two steps on one page: the case (a GET form, since who the action can go to depends on
    it), then the action on that case."""
    review = _running(review_ref)
    cases = _case_choices(review)
    consultation.listed("case", cases, summary=f"Listed the cases a recommendation of "
                                               f"{review.reference} can be on")
    form = RecommendationForm()
    default = review.case.reference if review.case is not None else "new"
    wanted = (form.case.data if request.method == "POST" else request.args.get("case")) \
        or default
    case = next((c for c in cases if c.reference == wanted), None)
    if case is None:
        wanted = "new"
    form.case.data = wanted
    form.set_targets(*service.recommendation_targets(review, case))
    if form.validate_on_submit():
        try:
            recommendation = service.add_recommendation(review, current_user,
                                                        form.action_values(), case)
        except (service.AsbReviewError, service.action_service.ActionError,
                service.case_service.CaseRuleError) as error:
            show_on_form(form, error, fallback="title")
        else:
            action = recommendation.action
            flash(f"Recommendation {action.reference} added on {action.case.reference} "
                  f"for {action.allocated_to_name}.", "success")
            return _to_review(review, "recommendations")
    return render_template("asb_reviews/recommendation.html", review=review, form=form,
                           cases=cases, chosen=wanted, case=case), _status(form)


# --- 5. the letters ----------------------------------------------------------------------------

@bp.route(f"{REVIEW}/letters/<letter>")
def letter(review_ref: str, letter: str):
    review = _running(review_ref)
    if letter not in service.LETTERS or (letter == "decision" and review.decided_dt is None) \
            or (letter == "outcome" and review.meeting_date is None):
        abort(404)
    _shows_the_victim(review)
    return render_template("asb_reviews/letter.html", review=review, letter=letter,
                           evidence=review.threshold_evidence or {},
                           form=LetterSentForm(formdata=None), printed_on=today())


@bp.route(f"{REVIEW}/letters/<letter>/sent", methods=["POST"])
def letter_sent(review_ref: str, letter: str):
    review = _running(review_ref)
    if letter not in service.LETTERS:
        abort(404)
    form = LetterSentForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        service.record_letter_sent(review, current_user, letter)
    except service.AsbReviewError as error:
        flash_refusal(error)
    else:
        flash(f"The {service.LETTERS[letter]} is recorded as sent.", "success")
    return _to_review(review, "letters")

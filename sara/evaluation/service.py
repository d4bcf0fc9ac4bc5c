"""Evaluation workflow, the impact arithmetic, and supervisors' reviews. Functions flush; the
caller commits.

Status: not started -> draft -> submitted (by the case owner) -> approved by a supervisor, or
returned to draft with the supervisor's comments. A submitted evaluation is read-only until it is
decided; an approved one is final.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa

from sara.audit import service as audit
from sara.cases import service as case_service
from sara.cases.models import ProblemCase
from sara.core.rules import RuleError
from sara.core.types import today, utcnow
from sara.evaluation import figures, notify
from sara.evaluation.models import (
    DELIVERY,
    DISPLACEMENT_TYPES,
    EFFECTIVENESS,
    OBJECTIVE_RESULTS,
    OUTCOMES,
    REVIEW_OUTCOMES,
    CaseReview,
    Evaluation,
    ObjectiveResult,
    TacticResult,
)
from sara.extensions import db
from sara.flags.scan import scan_case_flags
from sara.library import service as library_service

DEFAULT_REVIEW_DAYS = 28


class EvaluationError(RuleError):
    """A change the rules do not allow; the message says why, `field` where."""


class EvaluationVersionConflict(Exception):
    pass


# --- arithmetic --------------------------------------------------------------------------------

def percentage_change(before: int | None, after: int | None) -> float | None:
    """Change from before to after, in per cent; None ("not computable") for a zero or missing
    baseline, never a division error."""
    if before is None or after is None or before == 0:
        return None
    return (after - before) / before * 100


def relative_change(before: int | None, after: int | None, comparison_before: int | None,
                    comparison_after: int | None) -> float | None:
    """The case area's change net of the comparison area's: (A_after/A_before) /
    (C_after/C_before) - 1, in per cent. None when any count is missing or a ratio is undefined."""
    counts = (before, after, comparison_before, comparison_after)
    if any(c is None for c in counts) or before == 0 or comparison_before == 0:
        return None
    if comparison_after == 0:
        return None
    return ((after / before) / (comparison_after / comparison_before) - 1) * 100


@dataclass
class Impact:
    change: float | None
    comparison_change: float | None
    relative: float | None


def impact(evaluation: Evaluation) -> Impact:
    return Impact(
        change=percentage_change(evaluation.before_count, evaluation.after_count),
        comparison_change=percentage_change(
            evaluation.comparison_before_count, evaluation.comparison_after_count),
        relative=relative_change(
            evaluation.before_count, evaluation.after_count,
            evaluation.comparison_before_count, evaluation.comparison_after_count),
    )


# --- the workflow ------------------------------------------------------------------------------

def status_of(case: ProblemCase) -> str:
    return case.evaluation.status if case.evaluation is not None else "not_started"


def _record(case: ProblemCase, actor, summary: str, **details) -> None:
    case_service.record_event(case, actor, "evaluation", summary=summary)
    audit.record("alteration", user=actor, case=case, summary=summary,
                 details={"event": "evaluation", **details})


def fill_from_incidents(evaluation: Evaluation, actor) -> list[str]:
    """Fill every count whose area and period are set from the incident data (raises
    figures.FiguresError when none is); returns the fields filled."""
    filled = figures.fill_counts(evaluation)
    evaluation.updated_dt = utcnow()
    db.session.flush()
    _record(evaluation.case, actor, "Filled the evaluation counts from incident data",
            fields=filled)
    return filled


def _sync_rows(evaluation: Evaluation) -> None:
    """One result row per planned tactic and per objective, including ones added later."""
    case = evaluation.case
    have_tactics = {r.tactic_id for r in evaluation.tactic_results}
    for tactic in case.tactics:
        if tactic.id not in have_tactics:
            evaluation.tactic_results.append(TacticResult(tactic=tactic))
    have_objectives = {r.objective_id for r in evaluation.objective_results}
    for objective in case.objectives:
        if objective.id not in have_objectives:
            evaluation.objective_results.append(ObjectiveResult(objective=objective))


def start(case: ProblemCase, actor) -> Evaluation:
    """The case's evaluation, starting a draft if there is none yet."""
    if case.evaluation is not None:
        _sync_rows(case.evaluation)
        return case.evaluation
    if case.stage != "assessment":
        raise EvaluationError("The evaluation is written once the case reaches Assessment")
    evaluation = Evaluation(case=case, status="draft")
    db.session.add(evaluation)
    _sync_rows(evaluation)
    db.session.flush()
    _record(case, actor, "Started the evaluation")
    return evaluation


def _check(evaluation: Evaluation, expected_version: int | None) -> None:
    if expected_version is not None and evaluation.version != expected_version:
        raise EvaluationVersionConflict()


def _int_or_none(value, field: str) -> int | None:
    if value in (None, ""):
        return None
    if not isinstance(value, int) or value < 0:
        raise EvaluationError("Counts must be whole numbers, 0 or more", field=field)
    return value


def update(evaluation: Evaluation, actor, values: dict, tactic_rows: dict[int, dict],
           objective_rows: dict[int, str | None], expected_version: int | None) -> None:
    """Save the draft. tactic_rows maps tactic id -> {delivery, delivery_note, effectiveness};
    objective_rows maps objective id -> result."""
    _check(evaluation, expected_version)
    if evaluation.status != "draft":
        raise EvaluationError(
            "This evaluation has been submitted: it cannot be changed until a supervisor "
            "approves it or returns it")
    if values.get("outcome") not in (None, "", *OUTCOMES):
        raise EvaluationError("Choose an outcome from the list", field="outcome")
    types = values.get("displacement_types") or []
    if set(types) - set(DISPLACEMENT_TYPES):
        raise EvaluationError("Choose displacement types from the list", field="displacement_types")
    for start_field, end_field in (("before_start", "before_end"), ("after_start", "after_end")):
        start_day, end_day = values.get(start_field), values.get(end_field)
        if start_day and end_day and end_day < start_day:
            raise EvaluationError("The period must end after it starts", field=end_field)
    if values.get("before_end") and values.get("after_start") and \
            values["after_start"] < values["before_end"]:
        raise EvaluationError("The 'after' period must start after the 'before' period ends",
                              field="after_start")
    if values.get("after_end") and values["after_end"] > today():
        # Counts for days still to come would be guesses, and would read as a result.
        raise EvaluationError("The after period must end today or earlier", field="after_end")
    if values.get("is_good_practice") and not (values.get("good_practice_summary") or "").strip():
        raise EvaluationError("Write a short summary of the good practice",
                              field="good_practice_summary")
    for field in ("before_count", "after_count", "comparison_before_count",
                  "comparison_after_count"):
        values[field] = _int_or_none(values.get(field), field)
    values["outcome"] = values.get("outcome") or None
    values["displacement_types"] = sorted(set(types))
    counts_before = {f: getattr(evaluation, f) for f in ("before_count", "after_count",
                                                        "comparison_before_count",
                                                        "comparison_after_count")}
    changed = []
    for field, new in values.items():
        if not hasattr(evaluation, field):
            raise ValueError(f"{field} is not an evaluation field")
        if getattr(evaluation, field) != new:
            changed.append(field)
            setattr(evaluation, field, new)
    _sync_rows(evaluation)
    for row in evaluation.tactic_results:
        given = tactic_rows.get(row.tactic_id)
        if not given:
            continue
        if given.get("delivery") not in (None, "", *DELIVERY) or \
                given.get("effectiveness") not in EFFECTIVENESS:
            raise EvaluationError("Choose delivery and effectiveness from the lists")
        for key in ("delivery", "delivery_note", "effectiveness"):
            new = given.get(key) or (None if key == "delivery" else "")
            if getattr(row, key) != new:
                setattr(row, key, new)
                changed.append(f"tactic {row.tactic_id} {key}")
    for row in evaluation.objective_results:
        if row.objective_id in objective_rows:
            new = objective_rows[row.objective_id] or None
            if new not in (None, *OBJECTIVE_RESULTS):
                raise EvaluationError("Choose met, partly met or not met")
            if row.result != new:
                row.result = new
                changed.append(f"objective {row.objective_id}")
    figures.note_manual_changes(evaluation, counts_before)
    if changed:
        # Touching the row moves its version even when only the result rows changed, so two
        # editors can never silently overwrite each other.
        evaluation.updated_dt = utcnow()
        db.session.flush()
        _record(evaluation.case, actor, "Saved the evaluation draft", fields=changed[:40])


def submit(evaluation: Evaluation, actor, expected_version: int | None = None) -> None:
    _check(evaluation, expected_version)
    if evaluation.status != "draft":
        raise EvaluationError(f"An evaluation that is {evaluation.status_label.lower()} cannot "
                              "be submitted")
    if not evaluation.outcome:
        raise EvaluationError("Choose the outcome before submitting", field="outcome")
    if not evaluation.measure.strip():
        raise EvaluationError("Say what measure was used before submitting", field="measure")
    if evaluation.is_good_practice and evaluation.case.case_study is None:
        # The library publishes the case study, never the case: the supervisor must have one to
        # approve along with the evaluation.
        raise EvaluationError("This evaluation is marked as good practice: write its case study "
                              "before submitting it")
    evaluation.status = "submitted"
    evaluation.submitted_dt = utcnow()
    evaluation.submitted_by_id = actor.id
    db.session.flush()
    _record(evaluation.case, actor, "Submitted the evaluation for sign-off")
    notify.notify_submitted(evaluation, actor)


class CaseStudyNotPublishable(EvaluationError):
    """Approving would publish a case study holding a linked person's details: `case_study_field`
    names the case-study field (never the detail)."""

    def __init__(self, message: str, case_study_field: str | None):
        super().__init__(message)
        self.case_study_field = case_study_field


def approve(evaluation: Evaluation, supervisor, comments: str | None = None,
            expected_version: int | None = None, *, is_good_practice: bool | None = None) -> None:
    """Approve a submitted evaluation. One marked as good practice publishes its case study with
    the approval, after the personal-details check: a refusal changes nothing at all.
    `is_good_practice`, when given, is the supervisor's own choice, made with the decision: it
    replaces the officer's."""
    _check(evaluation, expected_version)
    if evaluation.status != "submitted":
        raise EvaluationError("Only a submitted evaluation can be approved")
    case = evaluation.case
    if is_good_practice is not None and is_good_practice != evaluation.is_good_practice:
        _mark_good_practice(evaluation, supervisor, is_good_practice)
    if evaluation.is_good_practice:
        if case.case_study is None:
            raise EvaluationError("This evaluation is marked as good practice but has no case "
                                  "study: return it to draft so that one can be written")
        try:
            library_service.refuse_personal_details(case.case_study, before="approving")
        except library_service.CaseStudyRefused as refusal:
            raise CaseStudyNotPublishable(refusal.message, refusal.field) from None
    evaluation.status = "approved"
    evaluation.decided_dt = utcnow()
    evaluation.decided_by_id = supervisor.id
    db.session.flush()
    note = f": {comments.strip()}" if comments and comments.strip() else ""
    _record(case, supervisor, f"Approved the evaluation{note}")
    notify.notify_approved(evaluation, supervisor, comments)
    if evaluation.is_good_practice and not case.case_study.is_published:
        library_service.publish_case_study(case, supervisor, before="approving")
    scan_case_flags([evaluation.case_id])


def _mark_good_practice(evaluation: Evaluation, supervisor, is_good_practice: bool) -> None:
    """The supervisor marks (or unmarks) it as good practice as part of approving it."""
    before = evaluation.is_good_practice
    evaluation.is_good_practice = is_good_practice
    db.session.flush()
    summary = ("Marked the evaluation as good practice" if is_good_practice
               else "Unmarked the evaluation as good practice")
    case_service.record_event(evaluation.case, supervisor, "evaluation", summary=summary)
    audit.record("alteration", user=supervisor, case=evaluation.case, summary=summary,
                 details={"event": "evaluation", "changes": [
                     {"field": "is_good_practice", "before": before,
                      "after": is_good_practice}]})


def return_to_draft(evaluation: Evaluation, supervisor, comments: str,
                    expected_version: int | None = None) -> None:
    _check(evaluation, expected_version)
    if evaluation.status != "submitted":
        raise EvaluationError("Only a submitted evaluation can be returned")
    if not (comments or "").strip():
        raise EvaluationError("Say what needs to change before it can be approved",
                              field="comments")
    evaluation.status = "draft"
    evaluation.return_comments = comments.strip()
    evaluation.decided_dt = utcnow()
    evaluation.decided_by_id = supervisor.id
    db.session.flush()
    _record(evaluation.case, supervisor, f"Returned the evaluation to draft: {comments.strip()}")
    notify.notify_returned(evaluation, supervisor, comments)
    scan_case_flags([evaluation.case_id])


# --- reviews -----------------------------------------------------------------------------------

def default_next_review(case: ProblemCase) -> date:
    return today() + timedelta(days=case.review_cadence_days or DEFAULT_REVIEW_DAYS)


def record_review(case: ProblemCase, supervisor, outcome: str, comments: str,
                  next_review_date: date | None) -> CaseReview:
    if not case.is_open:
        raise EvaluationError("Only an open case can be reviewed")
    if outcome not in REVIEW_OUTCOMES:
        raise EvaluationError("Choose the outcome of the review", field="outcome")
    next_review_date = next_review_date or default_next_review(case)
    if next_review_date <= today():
        raise EvaluationError("The next review must be after today", field="next_review_date")
    review = CaseReview(case_id=case.id, reviewer_id=supervisor.id, outcome=outcome,
                        comments=(comments or "").strip(), next_review_date=next_review_date)
    db.session.add(review)
    case.next_review_date = next_review_date
    case.last_reviewed_dt = utcnow()
    db.session.flush()
    summary = (f"Reviewed the case: {REVIEW_OUTCOMES[outcome]}. "
               f"Next review {next_review_date:%d %B %Y}")
    case_service.record_event(case, supervisor, "review",
                              summary=summary + (f". {review.comments}" if review.comments else ""))
    audit.record("alteration", user=supervisor, case=case, summary=summary,
                 details={"event": "review", "outcome": outcome, "comments": review.comments})
    scan_case_flags([case.id])
    return review


def last_review(case: ProblemCase) -> CaseReview | None:
    return db.session.scalar(
        sa.select(CaseReview).where(CaseReview.case_id == case.id)
        .order_by(CaseReview.created_dt.desc(), CaseReview.id.desc()).limit(1)
    )


def reviews(case: ProblemCase) -> list[CaseReview]:
    return list(db.session.scalars(
        sa.select(CaseReview).where(CaseReview.case_id == case.id)
        .order_by(CaseReview.created_dt.desc(), CaseReview.id.desc())
    ))

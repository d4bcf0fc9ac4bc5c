"""Taking an ASB case review from the application to the outcome letter. Functions flush; the
request (or job) commits.

Every change is audited, and written to the case's timeline when the review is about a case.
Each stage's clock starts when the stage before it ends (sara.asb_reviews.clocks), and the
overdue scan runs for the review at once, so a stage done late stops being flagged as it is done.
"""

from __future__ import annotations

from datetime import date, datetime, time

import sqlalchemy as sa

from sara import policy
from sara.actions import service as action_service
from sara.asb_reviews import clocks
from sara.asb_reviews.models import (
    APPLICANT_KINDS,
    ESCALATION_RESULTS,
    AsbReview,
    AsbReviewParticipant,
    AsbReviewRecommendation,
)
from sara.audit import service as audit
from sara.auth.models import User
from sara.cases import service as case_service
from sara.cases.models import ProblemCase
from sara.core.references import next_number
from sara.core.rules import RuleError
from sara.core.types import date_in_words, local_zone, today, utcnow
from sara.extensions import db
from sara.flags.scan import scan_asb_review_overdue
from sara.flags.status import case_review_evidence
from sara.orgs.models import Neighbourhood, Organisation
from sara.partners import service as sharing
from sara.people.models import CasePerson, Person

#: How much text each free-text answer may hold: enough for a page of notes, and said on the
#: form, so nothing is cut short without a word.
MAX_TEXT = 20_000


class AsbReviewError(RuleError):
    """A step the rules do not allow; the message says why, `field` where."""


class AsbReviewVersionConflict(Exception):
    pass


def review_reference() -> str:
    return f"CR-{next_number('asb_review'):06d}"


def _text(values: dict, name: str, label: str, *, required: bool = True,
          limit: int = MAX_TEXT) -> str:
    text = (values.get(name) or "").strip()
    if required and not text:
        raise AsbReviewError(f"Enter {label}", field=name)
    if len(text) > limit:
        raise AsbReviewError(f"{label[0].upper()}{label[1:]} must be {limit:,} characters or "
                             f"fewer", field=name)
    return text


def _day(values: dict, name: str, label: str, *, not_before: date | None = None,
         not_before_label: str = "") -> date:
    day = values.get(name)
    if not isinstance(day, date):
        raise AsbReviewError(f"Enter {label}", field=name)
    if day > today():
        raise AsbReviewError(f"{label[0].upper()}{label[1:]} must be today or in the past",
                             field=name)
    if not_before is not None and day < not_before:
        raise AsbReviewError(f"{label[0].upper()}{label[1:]} must be on or after "
                             f"{not_before_label}", field=name)
    return day


def _end_of(day: date) -> datetime:
    """The last moment of `day` in UK time (now, for today): what the rule saw on that day."""
    moment = datetime.combine(day, time(23, 59, 59), tzinfo=local_zone())
    return min(moment, utcnow())


def _local_date(moment: datetime) -> date:
    return moment.astimezone(local_zone()).date()


def _changed(review: AsbReview, actor: User, summary: str, **details) -> None:
    review.updated_dt = utcnow()
    db.session.flush()
    audit.record("alteration", user=actor, record_type="asb_review",
                 record_ref=review.reference, case_id=review.case_id, summary=summary,
                 details=details or None)
    if review.case is not None:
        case_service.record_event(review.case, actor, "asb_review",
                                  summary=f"ASB case review {review.reference}: {summary}")
    scan_asb_review_overdue(review_ids=[review.id])


def check_version(review: AsbReview, expected_version: int | None) -> None:
    if expected_version is not None and review.version != expected_version:
        raise AsbReviewVersionConflict()


# --- 1. the application ------------------------------------------------------------------------

def receiving_bodies() -> list[Organisation]:
    """Any body may receive an application: every organisation in SARA."""
    return list(db.session.scalars(sa.select(Organisation).order_by(Organisation.name)))


def cases_for(person: Person) -> list[ProblemCase]:
    """The force's open cases, the person's own first: what an application can be about."""
    own = sa.select(CasePerson.case_id).where(CasePerson.person_id == person.id)
    return list(db.session.scalars(
        sa.select(ProblemCase)
        .where(ProblemCase.organisation_id == person.organisation_id,
               ProblemCase.status == "open")
        .order_by(ProblemCase.id.not_in(own), ProblemCase.reference.desc())
    ))


def record_application(actor: User, person: Person, values: dict) -> AsbReview:
    """Record an application for `person` (of the actor's force). values: applicant_kind,
    applicant_name, applicant_contact, received_by_id, received_date, summary, case_id (or
    None), neighbourhood_id (needed without a case)."""
    if person.organisation_id != actor.organisation_id or person.merged_into_id is not None:
        raise AsbReviewError("Choose the person the application is about", field="person")
    kind = values.get("applicant_kind")
    if kind not in APPLICANT_KINDS:
        raise AsbReviewError("Choose who made the application", field="applicant_kind")
    name = _text(values, "applicant_name", "the name of the person who applied on their behalf",
                 required=kind != "victim", limit=200)
    contact = _text(values, "applicant_contact", "how to reach the applicant with the letters",
                    limit=500)
    body = db.session.get(Organisation, values.get("received_by_id") or 0) \
        if policy.is_an_id(values.get("received_by_id")) else None
    if body is None:
        raise AsbReviewError("Choose the body that received the application",
                             field="received_by_id")
    received = _day(values, "received_date", "the date the application was received")
    summary = _text(values, "summary", "what the applicant says the problem is")
    case = None
    if values.get("case_id"):
        case = db.session.get(ProblemCase, values["case_id"]) \
            if policy.is_an_id(values["case_id"]) else None
        if case is None or case.organisation_id != actor.organisation_id:
            raise AsbReviewError("Choose one of the force's cases, or none", field="case_id")
    neighbourhood = case.neighbourhood if case is not None else None
    if neighbourhood is None:
        wanted = values.get("neighbourhood_id")
        neighbourhood = db.session.get(Neighbourhood, wanted) if policy.is_an_id(wanted) else None
        if neighbourhood is None or neighbourhood.organisation_id != actor.organisation_id:
            raise AsbReviewError("Choose the neighbourhood the problem is in",
                                 field="neighbourhood_id")
    now = utcnow()
    review = AsbReview(
        reference=review_reference(), organisation_id=actor.organisation_id, person=person,
        case=case, neighbourhood=neighbourhood, applicant_kind=kind,
        applicant_name="" if kind == "victim" else name, applicant_contact=contact,
        received_by=body, received_date=received, summary=summary,
        status="awaiting_decision",
        decision_due_date=clocks.due_date(actor.organisation_id, "decision", received),
        threshold_evidence=case_review_evidence(person, _end_of(received)),
        created_by_id=actor.id, created_dt=now, updated_dt=now,
    )
    db.session.add(review)
    _changed(review, actor, f"Application received by {body.name} on {date_in_words(received)}; "
                            f"decision due {date_in_words(review.decision_due_date)}")
    return review


# --- 2. the threshold decision -----------------------------------------------------------------

def decide_threshold(review: AsbReview, actor: User, is_met, reasons: str) -> None:
    if not policy.can_decide_asb_review(actor, review):
        raise AsbReviewError("Only a supervisor of the force decides the threshold")
    if review.status != "awaiting_decision":
        raise AsbReviewError("The threshold has already been decided", field="is_threshold_met")
    if is_met not in (True, False):
        raise AsbReviewError("Choose whether the threshold is met", field="is_threshold_met")
    reasons = _text({"reasons": reasons}, "reasons", "the reasons for the decision")
    now = utcnow()
    review.is_threshold_met = is_met
    review.decision_reasons = reasons
    review.decided_by_id = actor.id
    review.decided_dt = now
    if is_met:
        review.status = "awaiting_meeting"
        review.meeting_due_date = clocks.due_date(review.organisation_id, "meeting",
                                                  _local_date(now))
    else:
        review.status = "threshold_not_met"
    _changed(review, actor, "Threshold " + ("met" if is_met else "not met") + f" ({actor.name})")


# --- 3. the meeting and the bodies taking part -------------------------------------------------

def participant_bodies(review: AsbReview) -> list[Organisation]:
    """The bodies that can take part: every organisation but those already taking part."""
    taking = {p.organisation_id for p in review.participants}
    return [o for o in receiving_bodies() if o.id not in taking]


def add_participant(review: AsbReview, actor: User, values: dict) -> AsbReviewParticipant:
    if review.status not in ("awaiting_meeting", "awaiting_outcome"):
        raise AsbReviewError("Bodies take part once the threshold is met, until the outcome "
                             "letter is sent", field="organisation_id")
    wanted = values.get("organisation_id")
    body = db.session.get(Organisation, wanted) if policy.is_an_id(wanted) else None
    if body is None:
        raise AsbReviewError("Choose the body taking part", field="organisation_id")
    if any(p.organisation_id == body.id for p in review.participants):
        raise AsbReviewError(f"{body.name} is already taking part", field="organisation_id")
    participant = AsbReviewParticipant(
        review=review, organisation=body,
        person_name=_text(values, "person_name", "who spoke for the body", limit=200),
        role_title=_text(values, "role_title", "their role", required=False, limit=200),
        agency_actions=_text(values, "agency_actions", "what the body has done so far"),
    )
    db.session.add(participant)
    _changed(review, actor, f"{body.name} takes part in the review")
    policy.forget_cached_access()
    return participant


def remove_participant(review: AsbReview, actor: User, participant_id: int) -> None:
    participant = next((p for p in review.participants if p.id == participant_id), None)
    if participant is None:
        raise AsbReviewError("That body is not taking part")
    if review.status not in ("awaiting_meeting", "awaiting_outcome"):
        raise AsbReviewError("The review is finished: its participants stay on the record")
    name = participant.organisation.name
    review.participants.remove(participant)
    db.session.delete(participant)
    _changed(review, actor, f"{name} no longer takes part in the review")
    policy.forget_cached_access()


def record_meeting(review: AsbReview, actor: User, values: dict) -> None:
    if review.status != "awaiting_meeting":
        raise AsbReviewError("The meeting is recorded once the threshold is met",
                             field="meeting_date")
    meeting = _day(values, "meeting_date", "the date of the review meeting",
                   not_before=review.received_date,
                   not_before_label=f"the application ({date_in_words(review.received_date)})")
    if not review.participants:
        raise AsbReviewError("Add the bodies that took part before recording the meeting",
                             field="meeting_date")
    review.meeting_date = meeting
    review.victim_views = _text(values, "victim_views", "the victim's views")
    review.meeting_notes = _text(values, "meeting_notes", "what the meeting found",
                                 required=False)
    review.status = "awaiting_outcome"
    review.outcome_due_date = clocks.due_date(review.organisation_id, "outcome",
                                              max(meeting, today()))
    _changed(review, actor, f"Review meeting held on {date_in_words(meeting)}")


# --- 4. recommendations: actions on a SARA case ------------------------------------------------

def recommendation_targets(review: AsbReview, case: ProblemCase | None):
    """(organisations, users) a recommendation on `case` can go to: whoever the case's actions
    can (sara.actions.service.allocation_targets), and the bodies taking part in the review, to
    whom allocating shares the case (so they see it, by the usual sharing rules)."""
    organisations, users = (action_service.allocation_targets(case) if case is not None
                            else ([review.organisation], []))
    known = {o.id for o in organisations}
    extra = [p.organisation for p in review.participants if p.organisation_id not in known]
    return [*organisations, *extra], users


def add_recommendation(review: AsbReview, actor: User, values: dict,
                       case: ProblemCase | None) -> AsbReviewRecommendation:
    """One recommendation as an action. `case` is an existing case the actor may add actions
    to, or None for a new case opened from the review; values are the action's (title,
    description, tactic_category, triangle_side, priority, due_date, allocation)."""
    if review.status not in ("awaiting_outcome", "completed"):
        raise AsbReviewError("Recommendations are made at the review meeting: record it first",
                             field="title")
    if case is None:
        case = case_service.create_case(actor, {
            "title": f"ASB case review {review.reference}"[:200],
            "problem_type": "asb_neighbour",
            "neighbourhood_id": review.neighbourhood_id,
            "location_text": review.neighbourhood.name,
            "latitude": None, "longitude": None,
            "description": f"Opened for the recommendations of ASB case review "
                           f"{review.reference}.",
        })
        # The case opened for the review is its problem case from now on, so the next
        # recommendation goes on it by default rather than opening another.
        if review.case is None:
            review.case = case
    elif not policy.can_add_action(actor, case):
        raise AsbReviewError("Choose a case you can add actions to", field="case")
    kind, _, raw = (values.get("allocation") or "").partition(":")
    participant = next((p for p in review.participants
                        if kind == "org" and str(p.organisation_id) == raw), None)
    targets, _ = action_service.allocation_targets(case)
    if participant is not None and participant.organisation_id not in {o.id for o in targets}:
        if not policy.can_share_case(actor, case):
            raise AsbReviewError("You cannot share this case with the body, so cannot give "
                                 "it the action", field="allocation")
        sharing.share_with_organisation(case, actor, participant.organisation, "contribute")
    action = action_service.create_action(case, actor, values)
    recommendation = AsbReviewRecommendation(review=review, action=action,
                                             created_by_id=actor.id)
    db.session.add(recommendation)
    _changed(review, actor, f"Recommendation {action.reference} on {case.reference}, for "
                            f"{action.allocated_to_name}")
    return recommendation


# --- 5. the letters ----------------------------------------------------------------------------

LETTERS = {"decision": "threshold decision letter", "outcome": "outcome letter"}


def record_letter_sent(review: AsbReview, actor: User, letter: str) -> None:
    now = utcnow()
    if letter == "decision":
        if review.decided_dt is None:
            raise AsbReviewError("The decision letter follows the threshold decision")
        if review.decision_letter_sent_dt is not None:
            raise AsbReviewError("The decision letter has already been recorded as sent")
        review.decision_letter_sent_dt = now
        review.decision_letter_sent_by_id = actor.id
    elif letter == "outcome":
        if review.status != "awaiting_outcome":
            raise AsbReviewError("The outcome letter follows the review meeting")
        review.outcome_letter_sent_dt = now
        review.outcome_letter_sent_by_id = actor.id
        review.status = "completed"
    else:
        raise AsbReviewError("There is no such letter")
    _changed(review, actor, f"The {LETTERS[letter]} was sent to the applicant")


# --- 6. escalation -----------------------------------------------------------------------------

def request_escalation(review: AsbReview, actor: User, values: dict) -> None:
    if review.status not in ("threshold_not_met", "completed"):
        raise AsbReviewError("The applicant can ask for the decision to be looked at again "
                             "once they have had it", field="escalation_requested_date")
    if review.is_escalation_open:
        raise AsbReviewError("The applicant's request is already being looked at",
                             field="escalation_requested_date")
    decided = review.decided_dt.astimezone(local_zone()).date() if review.decided_dt else None
    review.escalation_requested_date = _day(
        values, "escalation_requested_date", "the date of the request", not_before=decided,
        not_before_label="the decision" + (f" ({date_in_words(decided)})" if decided else ""))
    review.escalation_reason = _text(values, "escalation_reason", "why the applicant asks")
    review.escalation_result = None
    review.escalation_notes = None
    review.escalation_decided_date = None
    _changed(review, actor, "The applicant asked for the decision to be looked at again")


def decide_escalation(review: AsbReview, actor: User, values: dict) -> None:
    if not policy.can_decide_asb_review(actor, review):
        raise AsbReviewError("Only a supervisor of the force records the result")
    if not review.is_escalation_open:
        raise AsbReviewError("There is no request to look at", field="escalation_result")
    result = values.get("escalation_result")
    if result not in ESCALATION_RESULTS:
        raise AsbReviewError("Choose the result", field="escalation_result")
    if result == "changed" and review.status != "threshold_not_met":
        raise AsbReviewError("Only a threshold not met can be changed to met: choose "
                             "\u201cThe review is to be carried out again\u201d",
                             field="escalation_result")
    if result == "review_again" and review.status != "completed":
        raise AsbReviewError("The review was never carried out: choose whether the decision "
                             "stands or is changed", field="escalation_result")
    review.escalation_decided_date = _day(
        values, "escalation_decided_date", "the date of the result",
        not_before=review.escalation_requested_date,
        not_before_label=f"the request ({date_in_words(review.escalation_requested_date)})")
    review.escalation_notes = _text(values, "escalation_notes", "the reasons for the result")
    review.escalation_result = result
    if result in ("changed", "review_again"):
        review.status = "awaiting_meeting"
        review.is_threshold_met = True
        review.meeting_due_date = clocks.due_date(review.organisation_id, "meeting",
                                                  review.escalation_decided_date)
        review.outcome_due_date = None
        review.outcome_letter_sent_dt = None
        review.outcome_letter_sent_by_id = None
    _changed(review, actor, f"Escalation: {ESCALATION_RESULTS[result].lower()}")


# --- lists ---------------------------------------------------------------------------------------

def reviews_of(person: Person) -> list[AsbReview]:
    return list(db.session.scalars(
        sa.select(AsbReview).where(AsbReview.person_id == person.id)
        .order_by(AsbReview.received_date.desc(), AsbReview.id.desc())))

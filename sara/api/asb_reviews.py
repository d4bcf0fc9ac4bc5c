"""/api/v1/asb-reviews: the ASB case reviews (community trigger) a token's user may see, and each
review's application, threshold decision, meeting, recommendations, letters and escalation.

Read-only. The same loader and policy functions as the review's page (sara.asb_reviews.views):
`policy.asb_review_scope` for the list, `policy.get_asb_review_or_404` for one review (its
consultation or access-denied row written by the audit hook), and
`policy.can_see_asb_review_people` for the victim's and applicant's details, which a body taking
part sees only if it received the application.
"""

from __future__ import annotations

import hashlib
import json

import sqlalchemy as sa
from flask import Response, jsonify, request, url_for
from sqlalchemy.orm import joinedload, selectinload

from sara import policy
from sara.api.common import (
    api_user,
    forbidden,
    invalid,
    iso,
    page_args,
    page_body,
)
from sara.api.openapi import errors, json_response, page_schema, schema_ref
from sara.api.views import bp
from sara.asb_reviews.models import (
    APPLICANT_KINDS,
    ESCALATION_RESULTS,
    LIVE_STATUSES,
    REVIEW_STATUSES,
    STAGES,
    AsbReview,
    AsbReviewParticipant,
    AsbReviewRecommendation,
)
from sara.audit import consultation
from sara.cases.models import ProblemCase
from sara.core.types import today
from sara.extensions import db

#: `status` filter values besides the statuses themselves.
LIVE, ALL = "live", "all"


# --- shapes ------------------------------------------------------------------------------------

def _organisation(organisation) -> dict:
    return {"id": organisation.id, "name": organisation.name}


def _due_dates(review: AsbReview) -> dict:
    return {"decision": iso(review.decision_due_date), "meeting": iso(review.meeting_due_date),
            "outcome": iso(review.outcome_due_date)}


def summary_json(review: AsbReview, day, seen_cases=None) -> dict:
    """A review as its list shows it. Reads the review, who received it and its case (loaded
    with it)."""
    due = review.due_date
    return {
        "reference": review.reference,
        "status": review.status,
        "status_label": review.status_label,
        "received": iso(review.received_date),
        "received_by": _organisation(review.received_by),
        "stage": review.stage,
        "stage_due": iso(due),
        "is_overdue": due is not None and due < day,
        "due_dates": _due_dates(review),
        # A problem case the user may not see is not named (`seen_cases`: the ids they may).
        "case_reference": (review.case.reference if review.case is not None
                           and (seen_cases is None or review.case_id in seen_cases) else None),
        "links": {"self": url_for("api.get_asb_review", review_ref=review.reference),
                  "web": url_for("asb_reviews.show", review_ref=review.reference)},
    }


def _complaint(item: dict, *, with_reason: bool) -> dict:
    # The kept evidence is free-form JSON: name the members the document promises.
    out = {"reference": item.get("reference"), "category": item.get("category"),
           "occurred": item.get("occurred"), "reported": item.get("reported"),
           "reported_to": item.get("reported_to")}
    if with_reason:
        out["reason"] = item.get("reason")
    return out


def _evidence_json(evidence: dict | None, may_see_people: bool) -> dict | None:
    """What the rule found when the application was received. The complaints themselves are
    the victim's, so, as on the page, only for those who may see the victim."""
    if not evidence:
        return None
    return {
        "complaints": evidence.get("complaints") or 0,
        "threshold": evidence.get("threshold"),
        "window_months": evidence.get("window_months"),
        "met_by_complaints": bool(evidence.get("met_by_complaints")),
        "met_by_hate": bool(evidence.get("met_by_hate")),
        "met": bool(evidence.get("met")),
        "checked_at": evidence.get("checked_at"),
        "by_people": [{"case_reference": item.get("case"), "people": item.get("people"),
                       "episodes": item.get("episodes"), "threshold": item.get("threshold")}
                      for item in evidence.get("by_people") or []],
        "qualifying": ([_complaint(i, with_reason=False) for i in evidence.get("incidents") or []]
                       if may_see_people else None),
        "not_qualifying": ([_complaint(i, with_reason=True)
                            for i in evidence.get("not_qualifying") or []]
                           if may_see_people else None),
        "hate_incidents": ([_complaint(i, with_reason=False)
                            for i in evidence.get("hate_incidents") or []]
                           if may_see_people else None),
    }


def _sent(moment, by) -> dict | None:
    return None if moment is None else {"sent": iso(moment), "sent_by": by.name if by else None}


def _recommendation_json(user, recommendation: AsbReviewRecommendation) -> dict:
    action = recommendation.action
    # As on the page: the case is named only to those who may see it.
    sees_case = policy.access_level(user, action.case) is not None
    return {
        "action_reference": action.reference,
        "title": action.title,
        "allocated_to": action.allocated_to_name,
        "allocated_organisation": (_organisation(action.allocated_organisation)
                                   if action.allocated_organisation is not None else None),
        "due_date": iso(action.due_date),
        "status": action.status,
        "status_label": action.status_label,
        "is_overdue": action.is_overdue,
        "case_reference": action.case.reference if sees_case else None,
        "links": ({"action": url_for("api.get_action", reference=action.case.reference,
                                     action_ref=action.reference)} if sees_case else {}),
    }


def review_json(user, review: AsbReview) -> dict:
    day = today()
    may_see_people = policy.can_see_asb_review_people(user, review)
    case = review.case
    sees_case = case is not None and policy.access_level(user, case) is not None
    body = summary_json(review, day, {case.id} if sees_case and case is not None else set())
    body.update({
        "organisation": _organisation(review.organisation),
        "neighbourhood": review.neighbourhood.name,
        "case": ({"reference": case.reference, "title": case.title}
                 if sees_case and case is not None else None),
        "application": {
            "applicant_kind": review.applicant_kind,
            "applicant_label": review.applicant_label,
            "applicant_name": (review.applicant_name or None) if may_see_people else None,
            "applicant_contact": (review.applicant_contact or None) if may_see_people else None,
            "received": iso(review.received_date),
            "received_by": _organisation(review.received_by),
            "summary": review.summary,
        },
        "people_shown": may_see_people,
        "victim": ({"reference": review.person.reference, "name": review.person.name}
                   if may_see_people else None),
        "decision": {
            "state": ("pending" if review.is_threshold_met is None
                      else "met" if review.is_threshold_met else "not_met"),
            "reasons": review.decision_reasons,
            "decided_by": review.decided_by.name if review.decided_by else None,
            "decided": iso(review.decided_dt),
            "evidence": _evidence_json(review.threshold_evidence, may_see_people),
        },
        "meeting": {
            "date": iso(review.meeting_date),
            "victim_views": review.victim_views,
            "notes": review.meeting_notes,
            "participants": [
                {"organisation": _organisation(p.organisation), "person_name": p.person_name,
                 "role_title": p.role_title, "agency_actions": p.agency_actions}
                for p in review.participants],
        },
        "recommendations": [_recommendation_json(user, r) for r in review.recommendations],
        "letters": {
            "decision": _sent(review.decision_letter_sent_dt, review.decision_letter_sent_by),
            "outcome": _sent(review.outcome_letter_sent_dt, review.outcome_letter_sent_by),
        },
        "escalation": (None if review.escalation_requested_date is None else {
            "requested": iso(review.escalation_requested_date),
            "reason": review.escalation_reason,
            "result": review.escalation_result,
            "result_label": review.escalation_result_label or None,
            "notes": review.escalation_notes,
            "decided": iso(review.escalation_decided_date),
        }),
    })
    return body


def _note_cases_shown(review: AsbReview, body: dict) -> None:
    """The cases the answer names besides the review's own (the different-people threshold's,
    the recommendations'), recorded as listed, as the audit asks of every case a page shows."""
    evidence = body["decision"]["evidence"] or {}
    references = {item["case_reference"] for item in evidence.get("by_people", ())}
    references |= {r["case_reference"] for r in body["recommendations"]}
    references.discard(None)
    if review.case is not None:
        references.discard(review.case.reference)
    if not references:
        return
    ids = db.session.scalars(sa.select(ProblemCase.id)
                             .where(ProblemCase.reference.in_(sorted(references))))
    consultation.listed_references(
        "case", sorted(references), case_ids=list(ids),
        summary=f"Listed the cases ASB case review {review.reference} refers to")


# --- the list ----------------------------------------------------------------------------------

def _status_filter() -> str:
    wanted = request.args.get("status") or ALL
    if wanted not in (LIVE, ALL, *REVIEW_STATUSES):
        raise invalid({"status": "must be one of: " + ", ".join((LIVE, ALL, *REVIEW_STATUSES))},
                      "The filters are not valid")
    return wanted


@bp.route("/asb-reviews", methods=["GET"])
def list_asb_reviews():
    user = api_user()
    if not policy.can_list_asb_reviews(user):
        raise forbidden("Your role has no list of ASB case reviews")
    wanted = _status_filter()
    args = page_args()
    condition = policy.asb_review_scope(user)
    if wanted == LIVE:
        condition = sa.and_(condition, AsbReview.status.in_(LIVE_STATUSES))
    elif wanted != ALL:
        condition = sa.and_(condition, AsbReview.status == wanted)
    total = db.session.scalar(sa.select(sa.func.count(AsbReview.id)).where(condition)) or 0
    reviews = db.session.scalars(
        sa.select(AsbReview).where(condition)
        .options(joinedload(AsbReview.received_by), joinedload(AsbReview.case))
        .order_by(AsbReview.received_date.desc(), AsbReview.id.desc())
        .limit(args.per_page).offset((args.page - 1) * args.per_page)).all()
    consultation.listed("asb_review", reviews,
                        summary=consultation.counted(len(reviews), "ASB case review"))
    day = today()
    params = {"status": request.args["status"]} if request.args.get("status") else {}
    case_ids = {r.case_id for r in reviews if r.case_id is not None}
    seen = set(db.session.scalars(policy.visible_cases(user).with_only_columns(ProblemCase.id)
                                  .where(ProblemCase.id.in_(case_ids)))) if case_ids else set()
    return jsonify(page_body([summary_json(r, day, seen) for r in reviews], total, args,
                             "api.list_asb_reviews", **params))


# --- one review --------------------------------------------------------------------------------

def _etag(reference: str, body: dict) -> str:
    # Of what this user is shown, not the review's version: the answer also changes when a
    # recommendation's action moves on, when a stage becomes overdue, and with who asks.
    digest = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:20]
    return f"{reference}.{digest}"


@bp.route("/asb-reviews/<review_ref>", methods=["GET"])
def get_asb_review(review_ref: str):
    user = api_user()
    review = policy.get_asb_review_or_404(user, review_ref)
    # The bodies taking part and their organisations, into the session in two statements, so
    # that review.participants does not then load each organisation on its own.
    db.session.scalars(sa.select(AsbReviewParticipant)
                       .where(AsbReviewParticipant.review_id == review.id)
                       .options(selectinload(AsbReviewParticipant.organisation))).all()
    body = review_json(user, review)
    if policy.can_see_asb_review_people(user, review):
        consultation.viewed("person", review.person,
                            summary=f"Viewed as the victim in ASB case review {review.reference}")
    _note_cases_shown(review, body)
    etag = _etag(review.reference, body)
    if request.if_none_match.contains_weak(etag):
        not_modified = Response(status=304)
        not_modified.set_etag(etag)
        return not_modified
    response = jsonify(body)
    response.set_etag(etag)
    return response


# --- the OpenAPI description -------------------------------------------------------------------

_STRING = {"type": "string"}
_TEXT = {"type": ["string", "null"]}
_DATE = {"type": "string", "format": "date"}
_DATE_OR_NULL = {"type": ["string", "null"], "format": "date"}
_DATETIME_OR_NULL = {"type": ["string", "null"], "format": "date-time"}
_ORGANISATION = {"type": "object", "required": ["id", "name"],
                 "properties": {"id": {"type": "integer"}, "name": _STRING}}


def _object(properties: dict, *, nullable: bool = False, description: str | None = None) -> dict:
    schema = {"type": ["object", "null"] if nullable else "object",
              "required": list(properties), "properties": properties}
    if description:
        schema["description"] = description
    return schema


_COMPLAINT = {
    "reference": {**_TEXT, "description": "The incident's reference"},
    "category": _TEXT,
    "occurred": {**_DATETIME_OR_NULL, "description": "When the behaviour happened"},
    "reported": {**_DATETIME_OR_NULL, "description": "When it was reported"},
    "reported_to": {**_TEXT, "description": "The body it was reported to"},
}
_COMPLAINTS = {"type": ["array", "null"],
               "description": "Null unless you may see the victim's details.",
               "items": _object(_COMPLAINT)}
_SENT = _object({"sent": {"type": "string", "format": "date-time"}, "sent_by": _TEXT},
                nullable=True, description="Null until recorded as sent.")

_SUMMARY_PROPERTIES = {
    "reference": {"type": "string", "examples": ["CR-000001"]},
    "status": {"type": "string", "enum": list(REVIEW_STATUSES)},
    "status_label": _STRING,
    "received": _DATE,
    "received_by": _ORGANISATION,
    "stage": {"type": ["string", "null"], "enum": [*(s for s, _ in STAGES.values()), None],
              "description": "The stage the review waits on; null once it is finished."},
    "stage_due": {**_DATE_OR_NULL, "description": "When that stage is due (working days)."},
    "is_overdue": {"type": "boolean", "description": "The stage it waits on is past its due "
                                                     "date."},
    "due_dates": _object({"decision": _DATE_OR_NULL, "meeting": _DATE_OR_NULL,
                          "outcome": _DATE_OR_NULL}),
    "case_reference": {"type": ["string", "null"],
                       "description": "The problem case the application is about, if any."},
    "links": {"type": "object", "additionalProperties": {"type": "string"}},
}

SCHEMAS = {
    "AsbReviewSummary": _object(_SUMMARY_PROPERTIES),
    "AsbReview": {
        "type": "object",
        "required": [*_SUMMARY_PROPERTIES, "organisation", "neighbourhood", "case", "application",
                     "people_shown", "victim", "decision", "meeting", "recommendations",
                     "letters", "escalation"],
        "properties": {
            **_SUMMARY_PROPERTIES,
            "organisation": {**_ORGANISATION, "description": "The force running the review."},
            "neighbourhood": _STRING,
            "case": _object({"reference": _STRING,
                             "title": _TEXT}, nullable=True,
                            description="The review's problem case: null unless you may see "
                                        "it."),
            "application": _object({
                "applicant_kind": {"type": "string", "enum": list(APPLICANT_KINDS)},
                "applicant_label": _STRING,
                "applicant_name": {**_TEXT, "description": "Null when the victim applied, or "
                                                           "unless you may see their details."},
                "applicant_contact": {**_TEXT, "description": "Null unless you may see the "
                                                              "victim's details."},
                "received": _DATE,
                "received_by": _ORGANISATION,
                "summary": _STRING,
            }),
            "people_shown": {"type": "boolean",
                             "description": "Whether you may see the victim's and applicant's "
                                            "details: the force, and the body that received "
                                            "the application."},
            "victim": _object({"reference": {"type": "string", "examples": ["PN-000123"]},
                               "name": _STRING}, nullable=True,
                              description="Null unless you may see the victim's details."),
            "decision": _object({
                "state": {"type": "string", "enum": ["pending", "met", "not_met"]},
                "reasons": _TEXT,
                "decided_by": {**_TEXT, "description": "The supervisor who decided."},
                "decided": _DATETIME_OR_NULL,
                "evidence": _object({
                    "complaints": {"type": "integer", "minimum": 0,
                                   "description": "Qualifying complaints in the window."},
                    "threshold": {"type": ["integer", "null"]},
                    "window_months": {"type": ["integer", "null"]},
                    "met_by_complaints": {"type": "boolean"},
                    "met_by_hate": {"type": "boolean", "description":
                                    "Met by a single hate incident or crime, where the area "
                                    "has turned that local variant on."},
                    "met": {"type": "boolean"},
                    "checked_at": {**_DATETIME_OR_NULL,
                                   "description": "When the rule was applied: the day the "
                                                  "application was received."},
                    "by_people": {"type": "array", "description": "The different-people "
                                  "threshold reached on a case the victim complained about.",
                                  "items": _object({"case_reference": _TEXT,
                                                    "people": {"type": ["integer", "null"]},
                                                    "episodes": {"type": ["integer", "null"]},
                                                    "threshold": {"type": ["integer", "null"]}})},
                    "qualifying": _COMPLAINTS,
                    "hate_incidents": {**_COMPLAINTS, "description":
                                       "The hate incidents and crimes reported in time, where "
                                       "the area uses that variant."},
                    "not_qualifying": {**_COMPLAINTS, "items": _object({
                        **_COMPLAINT,
                        "reason": {**_TEXT, "examples": ["reported 47 days after the "
                                                         "behaviour"]}})},
                }, nullable=True, description="What the statutory threshold found on the day "
                                              "the application was received, as kept."),
            }),
            "meeting": _object({
                "date": _DATE_OR_NULL,
                "victim_views": _TEXT,
                "notes": _TEXT,
                "participants": {"type": "array", "items": _object({
                    "organisation": _ORGANISATION, "person_name": _STRING,
                    "role_title": _STRING,
                    "agency_actions": {**_STRING, "description": "What the body has done."}})},
            }),
            "recommendations": {"type": "array", "items": _object({
                "action_reference": {"type": "string", "examples": ["AC-000123"]},
                "title": _STRING,
                "allocated_to": _STRING,
                "allocated_organisation": {**_ORGANISATION, "type": ["object", "null"]},
                "due_date": _DATE,
                "status": _STRING,
                "status_label": _STRING,
                "is_overdue": {"type": "boolean"},
                "case_reference": {**_TEXT, "description": "Null unless you may see the case."},
                "links": {"type": "object", "additionalProperties": {"type": "string"}},
            })},
            "letters": _object({"decision": _SENT, "outcome": _SENT}),
            "escalation": _object({
                "requested": _DATE,
                "reason": _TEXT,
                "result": {"type": ["string", "null"], "enum": [*ESCALATION_RESULTS, None]},
                "result_label": _TEXT,
                "notes": _TEXT,
                "decided": _DATE_OR_NULL,
            }, nullable=True, description="The applicant's request to have the decision looked "
                                          "at again, and its result; null if none."),
        },
    },
}

PATHS = {
    "/asb-reviews": {
        "get": {
            "operationId": "listAsbReviews",
            "tags": ["asb-reviews"],
            "summary": "The ASB case reviews you can see, newest first",
            "description": "The force's reviews for its staff; for a partner, those its "
                           "organisation takes part in or received the application for.",
            "parameters": [
                {"name": "status", "in": "query", "required": False,
                 "description": "`live`: under way; `all` (default); or one status.",
                 "schema": {"type": "string", "enum": [LIVE, ALL, *REVIEW_STATUSES]}},
                {"$ref": "#/components/parameters/Page"},
                {"$ref": "#/components/parameters/PerPage"},
            ],
            "responses": {
                "200": json_response("A page of reviews", page_schema(
                    schema_ref("AsbReviewSummary"))),
                **errors(401, 403, 422),
            },
        },
    },
    "/asb-reviews/{review_ref}": {
        "parameters": [{"name": "review_ref", "in": "path", "required": True,
                        "description": "The review reference, for example CR-000001.",
                        "schema": {"type": "string", "maxLength": 40},
                        "example": "CR-000001"}],
        "get": {
            "operationId": "getAsbReview",
            "tags": ["asb-reviews"],
            "summary": "Read an ASB case review",
            "description": "The application, the threshold decision with the complaints it "
                           "counted, the meeting, the recommendations, the letters and any "
                           "escalation. The victim's and applicant's details only for the force "
                           "and the body that received the application. Each read is audited.",
            "parameters": [{"name": "If-None-Match", "in": "header", "required": False,
                            "description": "The ETag of your last read: 304 if unchanged.",
                            "schema": {"type": "string"}}],
            "responses": {
                "200": json_response("The review", schema_ref("AsbReview"), etag=True),
                "304": {"description": "Unchanged since the ETag you sent",
                        "headers": {"ETag": {"$ref": "#/components/headers/ETag"}}},
                **errors(401, 404),
            },
        },
    },
}

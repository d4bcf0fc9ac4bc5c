"""How cases and actions look in the JSON API, with the JSON Schemas that describe them.

Each serialiser sits next to its schema so the two cannot drift apart silently; the schemathesis
test checks every response against the schema anyway. Other resource modules may import these
(`case_ref_json`, `user_json`, ...) so a case looks the same wherever it appears.
"""

from __future__ import annotations

from flask import url_for
from werkzeug.routing import BuildError

from sara.actions.models import ACTION_STATUSES, PRIORITIES
from sara.api.common import iso
from sara.cases.taxonomy import (
    ANALYSIS_FIELDS,
    CLOSURE_REASONS,
    PROBLEM_TYPES,
    SCANNING_SOURCES,
    STAGES,
    STATUSES,
    TACTIC_CATEGORIES,
    TRIANGLE_SIDES,
)


def optional_url(endpoint: str, **values) -> str | None:
    """A link to an endpoint that another module may not have registered (yet)."""
    try:
        return url_for(endpoint, **values)
    except BuildError:
        return None


def _links(**links) -> dict:
    return {name: link for name, link in links.items() if link is not None}


def _nullable(schema: dict) -> dict:
    """`schema`, or null (OpenAPI 3.1 spells nullable as a type list)."""
    schema = dict(schema)
    if "enum" in schema:
        schema["enum"] = [*schema["enum"], None]
    schema["type"] = [schema["type"], "null"]
    return schema


STRING = {"type": "string"}
DATE = {"type": "string", "format": "date"}
DATETIME = {"type": "string", "format": "date-time"}
LINKS = {"type": "object", "additionalProperties": {"type": "string"}}


# --- small shared shapes -----------------------------------------------------------------------

def user_json(user) -> dict | None:
    if user is None:
        return None
    return {"id": user.id, "name": user.name}


def neighbourhood_json(neighbourhood) -> dict:
    return {"id": neighbourhood.id, "name": neighbourhood.name}


def case_ref_json(case) -> dict:
    """A case as other records point at it."""
    return {"reference": case.reference, "title": case.title,
            "links": {"self": url_for("api.get_case", reference=case.reference)}}


USER_SCHEMA = {
    "type": "object", "required": ["id", "name"],
    "properties": {"id": {"type": "integer"}, "name": STRING},
}
NEIGHBOURHOOD_SCHEMA = {
    "type": "object", "required": ["id", "name"],
    "properties": {"id": {"type": "integer"}, "name": STRING},
}
CASE_REF_SCHEMA = {
    "type": "object", "required": ["reference", "title", "links"],
    "properties": {"reference": STRING, "title": STRING, "links": LINKS},
}


# --- cases -------------------------------------------------------------------------------------

def _case_links(case) -> dict:
    return _links(
        self=url_for("api.get_case", reference=case.reference),
        web=url_for("cases.show", reference=case.reference),
        actions=url_for("api.list_case_actions", reference=case.reference),
        stage=url_for("api.move_case_stage", reference=case.reference),
        evaluation=optional_url("api.get_evaluation", reference=case.reference),
    )


def case_summary_json(case) -> dict:
    """A case as the list shows it. Touches only eagerly loaded relations (no N+1)."""
    return {
        "reference": case.reference,
        "title": case.title,
        "problem_type": case.problem_type,
        "neighbourhood": neighbourhood_json(case.neighbourhood),
        "location_text": case.location_text,
        "status": case.status,
        "stage": case.stage,
        "owner": user_json(case.owner),
        "last_reviewed_dt": iso(case.last_reviewed_dt),
        "next_review_date": iso(case.next_review_date),
        "created_dt": iso(case.created_dt),
        "updated_dt": iso(case.updated_dt),
        "version": case.version,
        "links": _case_links(case),
    }


def case_json(case) -> dict:
    """A whole case: details, stage content, objectives and planned tactics."""
    return {
        **case_summary_json(case),
        "organisation": case.organisation.name,
        "latitude": case.latitude,
        "longitude": case.longitude,
        "lsoa_code": case.lsoa_code,
        "description": case.description,
        "closure_reason": case.closure_reason,
        "closure_note": case.closure_note,
        "closed_dt": iso(case.closed_dt),
        "personal_details_shared": case.personal_details_shared,
        "review_cadence_days": case.review_cadence_days,
        "scan_source": case.scan_source,
        "scan_summary": case.scan_summary or "",
        "scan_baseline": case.scan_baseline or "",
        **{name: getattr(case, name) or "" for name in ANALYSIS_FIELDS},
        "objectives": [{"id": o.id, "text": o.text, "created_dt": iso(o.created_dt)}
                       for o in case.objectives],
        "tactics": [{"id": t.id, "category": t.category, "triangle_side": t.triangle_side,
                     "description": t.description, "created_dt": iso(t.created_dt)}
                    for t in case.tactics],
    }


CASE_SUMMARY_PROPERTIES = {
    "reference": {"type": "string", "examples": ["PS-2026-00042"]},
    "title": STRING,
    "problem_type": {"type": "string", "enum": list(PROBLEM_TYPES)},
    "neighbourhood": NEIGHBOURHOOD_SCHEMA,
    "location_text": STRING,
    "status": {"type": "string", "enum": list(STATUSES)},
    "stage": {"type": "string", "enum": list(STAGES)},
    "owner": USER_SCHEMA,
    "last_reviewed_dt": _nullable(DATETIME),
    "next_review_date": _nullable(DATE),
    "created_dt": DATETIME,
    "updated_dt": DATETIME,
    "version": {"type": "integer", "description": "Also in the ETag header."},
    "links": LINKS,
}

CASE_SUMMARY_SCHEMA = {
    "type": "object",
    "required": list(CASE_SUMMARY_PROPERTIES),
    "properties": CASE_SUMMARY_PROPERTIES,
}

_CASE_DETAIL_PROPERTIES = {
    "organisation": {"type": "string", "description": "The police force that owns the case."},
    "latitude": {"type": ["number", "null"]},
    "longitude": {"type": ["number", "null"]},
    "lsoa_code": {"type": ["string", "null"]},
    "description": STRING,
    "closure_reason": _nullable({"type": "string", "enum": list(CLOSURE_REASONS)}),
    "closure_note": {"type": ["string", "null"]},
    "closed_dt": _nullable(DATETIME),
    "personal_details_shared": {"type": "boolean"},
    "review_cadence_days": {"type": "integer"},
    "scan_source": _nullable({"type": "string", "enum": list(SCANNING_SOURCES)}),
    "scan_summary": STRING,
    "scan_baseline": STRING,
    **{name: {"type": "string", "description": label} for name, label in ANALYSIS_FIELDS.items()},
    "objectives": {"type": "array", "items": {
        "type": "object", "required": ["id", "text", "created_dt"],
        "properties": {"id": {"type": "integer"}, "text": STRING, "created_dt": DATETIME},
    }},
    "tactics": {"type": "array", "items": {
        "type": "object",
        "required": ["id", "category", "triangle_side", "description", "created_dt"],
        "properties": {
            "id": {"type": "integer"},
            "category": {"type": "string", "enum": list(TACTIC_CATEGORIES)},
            "triangle_side": {"type": "string", "enum": list(TRIANGLE_SIDES)},
            "description": STRING,
            "created_dt": DATETIME,
        },
    }},
}

CASE_SCHEMA = {
    "type": "object",
    "required": [*CASE_SUMMARY_PROPERTIES, *_CASE_DETAIL_PROPERTIES],
    "properties": {**CASE_SUMMARY_PROPERTIES, **_CASE_DETAIL_PROPERTIES},
}


# --- actions -----------------------------------------------------------------------------------

def allocation_value(action) -> str:
    """The allocation as the API (and the web form) writes it: 'user:<id>' or 'org:<id>'."""
    if action.allocated_user_id is not None:
        return f"user:{action.allocated_user_id}"
    return f"org:{action.allocated_organisation_id}"


def _allocated_to(action) -> dict:
    if action.allocated_user is not None:
        user = action.allocated_user
        # User.organisation is eagerly joined with the user, so this costs no query per action.
        return {"kind": "user", "id": user.id, "name": user.name,
                "organisation": user.organisation.name}
    organisation = action.allocated_organisation
    return {"kind": "organisation", "id": organisation.id, "name": organisation.name,
            "organisation": organisation.name}


def action_json(action, *, history: bool = False) -> dict:
    case = action.case
    body = {
        "reference": action.reference,
        "case": case_ref_json(case),
        "title": action.title,
        "description": action.description or "",
        "tactic_category": action.tactic_category,
        "triangle_side": action.triangle_side,
        "allocation": allocation_value(action),
        "allocated_to": _allocated_to(action),
        "due_date": iso(action.due_date),
        "priority": action.priority,
        "status": action.status,
        "is_overdue": action.is_overdue,
        "result": action.result,
        "cancel_reason": action.cancel_reason,
        "created_by": user_json(action.created_by),
        "created_dt": iso(action.created_dt),
        "updated_dt": iso(action.updated_dt),
        "completed_dt": iso(action.completed_dt),
        "version": action.version,
        "links": _links(
            self=url_for("api.get_action", reference=case.reference,
                         action_ref=action.reference),
            case=url_for("api.get_case", reference=case.reference),
            web=url_for("actions.show", reference=case.reference, action_ref=action.reference),
        ),
    }
    if history:
        body["history"] = [
            {"kind": entry.kind, "user": user_json(entry.user),
             "created_dt": iso(entry.created_dt), "from_status": entry.from_status,
             "to_status": entry.to_status, "text": entry.text}
            for entry in action.history
        ]
    return body


_STATUS_ENUM = {"type": "string", "enum": list(ACTION_STATUSES)}

ACTION_PROPERTIES = {
    "reference": {"type": "string", "examples": ["AC-000123"]},
    "case": CASE_REF_SCHEMA,
    "title": STRING,
    "description": STRING,
    "tactic_category": {"type": "string", "enum": list(TACTIC_CATEGORIES)},
    "triangle_side": {"type": "string", "enum": list(TRIANGLE_SIDES)},
    "allocation": {"type": "string", "pattern": "^(user|org):[0-9]+$",
                   "description": "Who the action is for, as written back on create or update."},
    "allocated_to": {
        "type": "object", "required": ["kind", "id", "name", "organisation"],
        "properties": {"kind": {"type": "string", "enum": ["user", "organisation"]},
                       "id": {"type": "integer"}, "name": STRING, "organisation": STRING},
    },
    "due_date": DATE,
    "priority": {"type": "string", "enum": list(PRIORITIES)},
    "status": _STATUS_ENUM,
    "is_overdue": {"type": "boolean"},
    "result": {"type": ["string", "null"]},
    "cancel_reason": {"type": ["string", "null"]},
    "created_by": USER_SCHEMA,
    "created_dt": DATETIME,
    "updated_dt": DATETIME,
    "completed_dt": _nullable(DATETIME),
    "version": {"type": "integer"},
    "links": LINKS,
}

ACTION_SCHEMA = {
    "type": "object",
    "required": list(ACTION_PROPERTIES),
    "properties": ACTION_PROPERTIES,
}

ACTION_DETAIL_SCHEMA = {
    "type": "object",
    "required": [*ACTION_PROPERTIES, "history"],
    "properties": {
        **ACTION_PROPERTIES,
        "history": {"type": "array", "description": "Newest first.", "items": {
            "type": "object",
            "required": ["kind", "user", "created_dt", "from_status", "to_status", "text"],
            "properties": {
                "kind": {"type": "string",
                         "enum": ["created", "note", "status", "allocated", "edited"]},
                "user": USER_SCHEMA,
                "created_dt": DATETIME,
                "from_status": _nullable(_STATUS_ENUM),
                "to_status": _nullable(_STATUS_ENUM),
                "text": {"type": ["string", "null"]},
            },
        }},
    },
}

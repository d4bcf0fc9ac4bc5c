"""/api/v1/cases: the case list, creating, reading, editing and SARA stage moves.

The same policy functions as the case pages (sara.cases.views), the same service functions (which
write the timeline and the audit rows), and the same loader (policy.get_case_or_404, whose
consultation or access-denied row the audit hook writes).
"""

from __future__ import annotations

import dataclasses
import math
from datetime import date

from flask import g, jsonify, request, url_for

from sara import policy
from sara.api.common import (
    ApiError,
    etag_of,
    expected_version,
    forbidden,
    invalid,
    json_object,
    page_args,
    page_body,
    reject_unknown,
    text_field,
    with_etag,
)
from sara.api.openapi import errors, json_body, json_response, page_schema, param, schema_ref
from sara.api.serializers import CASE_SCHEMA, CASE_SUMMARY_SCHEMA, case_json, case_summary_json
from sara.api.views import bp
from sara.cases import queries, service
from sara.cases.taxonomy import ANALYSIS_FIELDS, PROBLEM_TYPES, SCANNING_SOURCES, STAGES, STATUSES
from sara.core import unit_of_work
from sara.core.forms import MAX_TEXT
from sara.evaluation.models import OUTCOMES
from sara.extensions import db

MAX_ID = 2**31 - 1  # a larger number cannot be an id, and PostgreSQL would refuse to compare it


# --- validating bodies -------------------------------------------------------------------------

def clean_text(body: dict, name: str, errors: dict, **kwargs):
    """common.text_field, also refusing lone surrogates (they cannot be stored as UTF-8)."""
    value = text_field(body, name, errors, **kwargs)
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            errors[name] = "must be valid Unicode text"
            return None
    return value


def id_field(body: dict, name: str, errors: dict) -> int | None:
    value = body.get(name)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_ID:
        errors[name] = "must be the id of one of the choices"
        return None
    return value


def number_field(body: dict, name: str, errors: dict, low: float, high: float,
                 reason: str) -> float | None:
    value = body.get(name)
    if value is None:
        return None
    if (isinstance(value, bool) or not isinstance(value, int | float)
            or not math.isfinite(value) or not low <= value <= high):
        errors[name] = reason
        return None
    return float(value)


def choice_field(body: dict, name: str, errors: dict, choices, reason: str, *,
                 nullable: bool = False):
    value = body.get(name)
    if value is None and nullable:
        return None
    if not isinstance(value, str) or value not in choices:
        errors[name] = reason
        return None
    return value


DETAIL_FIELDS = ("title", "problem_type", "neighbourhood_id", "location_text", "latitude",
                 "longitude", "description")
OPENING_FIELDS = DETAIL_FIELDS
#: Fields only the owning force's officers may edit (policy.can_edit_case), as on the web.
MANAGED_FIELDS = (*DETAIL_FIELDS, "owner_id", "review_cadence_days", "scan_source",
                  "scan_summary", "scan_baseline")
#: Fields contributors may edit too (policy.can_edit_analysis).
ANALYSIS = tuple(ANALYSIS_FIELDS)
EDITABLE_FIELDS = (*MANAGED_FIELDS, *ANALYSIS)


def _case_values(body: dict, *, creating: bool, current=None) -> dict:
    """The fields present in `body`, checked as the case forms check them; 422 on any error."""
    errors: dict[str, str] = {}
    values: dict = {}

    def present(name):
        return creating or name in body

    if present("title"):
        values["title"] = clean_text(body, "title", errors, required=True, max_length=200)
        if "title" not in errors and len(values["title"]) < 3:
            errors["title"] = "must be between 3 and 200 characters"
    if present("problem_type"):
        values["problem_type"] = choice_field(body, "problem_type", errors, PROBLEM_TYPES,
                                              "must be one of the problem types")
    if present("neighbourhood_id"):
        values["neighbourhood_id"] = id_field(body, "neighbourhood_id", errors)
    if present("location_text"):
        values["location_text"] = clean_text(body, "location_text", errors, required=True,
                                             max_length=300)
    if present("description"):
        values["description"] = clean_text(body, "description", errors, required=True,
                                           max_length=MAX_TEXT)
    if present("latitude"):
        values["latitude"] = number_field(body, "latitude", errors, 49, 61,
                                          "must be a number between 49 and 61 (the UK)")
    if present("longitude"):
        values["longitude"] = number_field(body, "longitude", errors, -9, 2,
                                           "must be a number between -9 and 2 (the UK)")
    if "latitude" not in errors and "longitude" not in errors:
        latitude = values.get("latitude", current.latitude if current else None)
        longitude = values.get("longitude", current.longitude if current else None)
        if (latitude is None) != (longitude is None):
            errors["latitude" if "latitude" in body else "longitude"] = (
                "give both latitude and longitude, or neither")
    if "owner_id" in body:
        values["owner_id"] = id_field(body, "owner_id", errors)
    if "review_cadence_days" in body:
        days = body["review_cadence_days"]
        if isinstance(days, bool) or not isinstance(days, int) or not 7 <= days <= 365:
            errors["review_cadence_days"] = "must be a whole number of days from 7 to 365"
        values["review_cadence_days"] = days
    if "scan_source" in body:
        values["scan_source"] = choice_field(body, "scan_source", errors, SCANNING_SOURCES,
                                             "must be one of the scanning sources or null",
                                             nullable=True)
    for name in ("scan_summary", "scan_baseline", *ANALYSIS):
        if name in body:
            values[name] = clean_text(body, name, errors, max_length=MAX_TEXT) or ""
    if errors:
        raise invalid(errors)
    return values


def _rule_error(error: service.CaseRuleError, field_names: dict | None = None) -> ApiError:
    """A SARA rule the service refused, as a 422 naming the field when there is one."""
    name = (field_names or {}).get(error.field, error.field)
    if name:
        return invalid({name: error.message}, error.message)
    return ApiError(409, "Conflict", error.message)


def _stale(reference: str, version: int) -> ApiError:
    return ApiError(412, "Precondition Failed",
                    "The record has changed since you read it; GET it again and retry",
                    headers={"ETag": etag_of(reference, version)})


def _case_response(case, status: int = 200):
    response = jsonify(case_json(case))
    response.status_code = status
    return with_etag(response, case.reference, case.version)


def _user():
    return g.api_user


# --- the list ----------------------------------------------------------------------------------

_FILTER_FIELDS = {f.name for f in dataclasses.fields(queries.CaseFilters)}
#: Date filters of the case list (when sara.cases.queries has them): opened or closed on or
#: between two days.
DATE_FILTERS = tuple(name for name in ("opened_from", "opened_to", "closed_from", "closed_to")
                     if name in _FILTER_FIELDS)
HAS_OUTCOME_FILTER = "outcome" in _FILTER_FIELDS
#: Dates outside these cannot be a case's, and the far ends would overflow the day arithmetic.
EARLIEST, LATEST = date(1900, 1, 1), date(2999, 12, 31)


def _int_arg(name: str, errors: dict) -> int | None:
    raw = request.args.get(name)
    if raw in (None, ""):
        return None
    if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= MAX_ID:
        errors[name] = "must be an id"
        return None
    return int(raw)


def _choice_arg(name: str, choices, errors: dict) -> str | None:
    raw = request.args.get(name)
    if raw in (None, ""):
        return None
    if raw not in choices:
        errors[name] = "must be one of: " + ", ".join(choices)
        return None
    return raw


def _filters() -> tuple[queries.CaseFilters, dict]:
    errors: dict[str, str] = {}
    values = {
        "stage": _choice_arg("stage", STAGES, errors),
        "status": _choice_arg("status", STATUSES, errors),
        "neighbourhood_id": _int_arg("neighbourhood", errors),
        "problem_type": _choice_arg("problem_type", PROBLEM_TYPES, errors),
        "owner_id": _int_arg("owner", errors),
        "review": _choice_arg("review", queries.REVIEW_FILTERS, errors),
        "evaluation": _choice_arg("evaluation", queries.EVALUATION_FILTERS, errors),
        "sort": _choice_arg("sort", queries.SORTS, errors) or queries.DEFAULT_SORT[0],
        "direction": _choice_arg("direction", ("asc", "desc"), errors) or queries.DEFAULT_SORT[1],
    }
    if HAS_OUTCOME_FILTER:
        values["outcome"] = _choice_arg("outcome", OUTCOMES, errors)
    for name in DATE_FILTERS:
        raw = request.args.get(name)
        if raw:
            try:
                values[name] = date.fromisoformat(raw)
            except ValueError:
                errors[name] = "must be a date as YYYY-MM-DD"
                continue
            if not EARLIEST <= values[name] <= LATEST:
                errors[name] = "must be a date between 1900 and 2999"
    if errors:
        raise invalid(errors, "Some filters are not valid")
    # The links to other pages keep exactly the filters given.
    kept = {name: request.args[name]
            for name in (*LIST_PARAMS, *DATE_FILTERS, *(["outcome"] if HAS_OUTCOME_FILTER else []))
            if request.args.get(name)}
    return queries.CaseFilters(**values), kept


LIST_PARAMS = ("stage", "status", "neighbourhood", "problem_type", "owner", "review",
               "evaluation", "sort", "direction")


@bp.route("/cases", methods=["GET"])
def list_cases():
    user = _user()
    if not policy.can_list_cases(user):
        raise forbidden("Your role has no case list")
    filters, kept = _filters()
    args = page_args()
    filters.page = args.page
    page = queries.case_page(user, filters, args.per_page)
    return jsonify(page_body([case_summary_json(c) for c in page.cases], page.total, args,
                             "api.list_cases", **kept))


# --- create ------------------------------------------------------------------------------------

@bp.route("/cases", methods=["POST"])
def create_case():
    user = _user()
    if not policy.can_create_case(user):
        raise forbidden("Only officers and supervisors of a police force open cases")
    body = json_object()
    reject_unknown(body, OPENING_FIELDS)
    values = _case_values(body, creating=True)
    try:
        case = service.create_case(user, values)
    except service.CaseRuleError as error:
        raise _rule_error(error) from None
    response = _case_response(case, 201)
    response.headers["Location"] = url_for("api.get_case", reference=case.reference)
    return response


# --- read --------------------------------------------------------------------------------------

@bp.route("/cases/<reference>", methods=["GET"])
def get_case(reference: str):
    return _case_response(policy.get_case_or_404(_user(), reference))


# --- update ------------------------------------------------------------------------------------

@bp.route("/cases/<reference>", methods=["PATCH"])
def update_case(reference: str):
    user = _user()
    case = policy.get_case_or_404(user, reference)
    may_manage = policy.can_edit_case(user, case)
    if not (may_manage or policy.can_edit_analysis(user, case)):
        raise forbidden("You may not edit this case" if case.is_open
                        else "A closed case must be reopened before it can be edited")
    body = json_object()
    reject_unknown(body, EDITABLE_FIELDS)
    managed = sorted(set(body) & set(MANAGED_FIELDS))
    if managed and not may_manage:
        raise forbidden("You may edit the analysis of this case, not " + ", ".join(managed))
    values = _case_values(body, creating=False, current=case)
    version = expected_version(case.reference, case.version)
    try:
        service.update_fields(case, user, values, version)
    except service.VersionConflict:
        unit_of_work.discard()
        raise _stale(reference, db.session.get(type(case), case.id).version) from None
    except service.CaseRuleError as error:
        raise _rule_error(error) from None
    return _case_response(case)


# --- SARA stage moves --------------------------------------------------------------------------

@bp.route("/cases/<reference>/stage", methods=["POST"])
def move_case_stage(reference: str):
    user = _user()
    case = policy.get_case_or_404(user, reference)
    if not policy.can_move_stage(user, case):
        raise forbidden("You may not move this case" if case.is_open
                        else "A closed case must be reopened before it can change stage")
    body = json_object()
    reject_unknown(body, ("to", "reason"))
    errors: dict[str, str] = {}
    to_stage = choice_field(body, "to", errors, STAGES,
                            "must be one of: " + ", ".join(STAGES))
    reason = clean_text(body, "reason", errors, max_length=MAX_TEXT)
    if errors:
        raise invalid(errors)
    version = expected_version(case.reference, case.version)
    try:
        service.move_stage(case, user, to_stage, reason, version)
    except service.VersionConflict:
        unit_of_work.discard()
        raise _stale(reference, db.session.get(type(case), case.id).version) from None
    except service.CaseRuleError as error:
        # A missing reason is a field to fill in (422); skipping a stage, or moving without the
        # content the next stage needs, is a conflict with the case as it stands (409).
        if error.field == "reason":
            raise invalid({"reason": error.message}, error.message) from None
        raise ApiError(409, "Conflict", error.message) from None
    return _case_response(case)


# --- the OpenAPI description -------------------------------------------------------------------

def _string_enum(values) -> dict:
    return {"type": "string", "enum": list(values)}


_ID = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
_TEXT = {"type": "string", "maxLength": MAX_TEXT}

_DETAIL_PROPERTIES = {
    "title": {"type": "string", "minLength": 3, "maxLength": 200,
              "examples": ["Youths gathering at Ermine shops"]},
    "problem_type": _string_enum(PROBLEM_TYPES),
    "neighbourhood_id": {**_ID, "description": "One of your force's neighbourhoods."},
    "location_text": {"type": "string", "minLength": 1, "maxLength": 300,
                      "examples": ["Ermine shopping parade, Lincoln"]},
    "latitude": {"type": ["number", "null"], "minimum": 49, "maximum": 61,
                 "description": "Give both latitude and longitude, or neither."},
    "longitude": {"type": ["number", "null"], "minimum": -9, "maximum": 2},
    "description": {"type": "string", "minLength": 1, "maxLength": MAX_TEXT,
                    "examples": ["Groups gathering and shouting late at night."]},
}

SCHEMAS = {
    "Case": CASE_SCHEMA,
    "CaseSummary": CASE_SUMMARY_SCHEMA,
    "NewCase": {
        "type": "object",
        "additionalProperties": False,
        "required": ["title", "problem_type", "neighbourhood_id", "location_text",
                     "description"],
        "properties": _DETAIL_PROPERTIES,
    },
    "CaseUpdate": {
        "type": "object",
        "additionalProperties": False,
        "description": "Only the fields given change. The details and scanning fields need the "
                       "owning force's officers; contributors may change the analysis fields.",
        "properties": {
            **_DETAIL_PROPERTIES,
            "owner_id": {**_ID, "description": "An officer or supervisor of the owning force."},
            "review_cadence_days": {"type": "integer", "minimum": 7, "maximum": 365},
            "scan_source": {"type": ["string", "null"], "enum": [*SCANNING_SOURCES, None]},
            "scan_summary": _TEXT,
            "scan_baseline": _TEXT,
            **{name: {**_TEXT, "description": label} for name, label in ANALYSIS_FIELDS.items()},
        },
    },
    "StageMove": {
        "type": "object",
        "additionalProperties": False,
        "required": ["to"],
        "properties": {
            "to": {**_string_enum(STAGES), "examples": ["analysis"]},
            "reason": {**_TEXT, "description": "Needed when the case goes back a stage."},
        },
    },
}


def _query(name: str, schema: dict, description: str) -> dict:
    return {"name": name, "in": "query", "required": False, "schema": schema,
            "description": description}


_LIST_PARAMETERS = [
    _query("stage", _string_enum(STAGES), "Only cases at this SARA stage."),
    _query("status", _string_enum(STATUSES), "Only open or closed cases."),
    _query("neighbourhood", _ID, "Only cases in this neighbourhood (its id)."),
    _query("problem_type", _string_enum(PROBLEM_TYPES), "Only cases of this problem type."),
    _query("owner", _ID, "Only cases this user (by id) owns."),
    _query("review", _string_enum(queries.REVIEW_FILTERS),
           "`due`: open cases due or overdue for a supervisor's review."),
    _query("evaluation", _string_enum(queries.EVALUATION_FILTERS),
           "Only cases whose evaluation is in this state."),
    *[_query(name, {"type": "string", "format": "date"},
             f"Only cases {name.split('_')[0]} on or "
             + ("after" if name.endswith("from") else "before") + " this day (1900 to 2999).")
      for name in DATE_FILTERS],
    *([_query("outcome", _string_enum(OUTCOMES), "Only cases whose evaluation gives this "
                                                 "outcome.")] if HAS_OUTCOME_FILTER else []),
    _query("sort", _string_enum(queries.SORTS), "What to sort by (default: updated)."),
    _query("direction", _string_enum(("asc", "desc")), "Sort direction (default: desc)."),
    param("Page"),
    param("PerPage"),
]

_CASE = schema_ref("Case")

PATHS = {
    "/cases": {
        "get": {
            "operationId": "listCases",
            "tags": ["cases"],
            "summary": "List the cases you can see, filtered and paginated",
            "description": "The same list and filters as the case list page. Cases not shared "
                           "with you are never listed or counted.",
            "parameters": _LIST_PARAMETERS,
            "responses": {
                "200": json_response("A page of cases", page_schema(schema_ref("CaseSummary"))),
                **errors(401, 403, 422),
            },
        },
        "post": {
            "operationId": "createCase",
            "tags": ["cases"],
            "summary": "Open a new case",
            "description": "For officers and supervisors of a police force. The case starts at "
                           "Scanning, owned by you.",
            "requestBody": json_body(schema_ref("NewCase")),
            "responses": {
                "201": json_response("The new case", _CASE, etag=True, location=True),
                **errors(400, 401, 403, 415, 422),
            },
        },
    },
    "/cases/{reference}": {
        "parameters": [param("Reference")],
        "get": {
            "operationId": "getCase",
            "tags": ["cases"],
            "summary": "Read a case",
            "description": "Its details, stage content, objectives and planned tactics. Each "
                           "read is audited as a consultation.",
            "responses": {
                "200": json_response("The case", _CASE, etag=True),
                **errors(401, 404),
            },
        },
        "patch": {
            "operationId": "updateCase",
            "tags": ["cases"],
            "summary": "Change some of a case's fields",
            "parameters": [param("IfMatch")],
            "requestBody": json_body(schema_ref("CaseUpdate")),
            "responses": {
                "200": json_response("The case as saved", _CASE, etag=True),
                **errors(400, 401, 403, 404, 412, 415, 422, 428),
            },
        },
    },
    "/cases/{reference}/stage": {
        "parameters": [param("Reference")],
        "post": {
            "operationId": "moveCaseStage",
            "tags": ["cases"],
            "summary": "Move a case to another SARA stage",
            "description": "Forward one stage at a time once the current stage has its content "
                           "(409 says what is missing), or back to any earlier stage with a "
                           "reason. Every move is recorded with who, when and why.",
            "parameters": [param("IfMatch")],
            "requestBody": json_body(schema_ref("StageMove")),
            "responses": {
                "200": json_response("The case after the move", _CASE, etag=True),
                **errors(400, 401, 403, 404, 409, 412, 415, 422, 428),
            },
        },
    },
}

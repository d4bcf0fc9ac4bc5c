"""A case's evaluation over the API: read it, start it, update the draft, submit it for sign-off,
and approve it or return it with comments. The same policy checks and service calls as the
evaluation page (sara/evaluation/views.py); the service writes the timeline and audit rows."""

from __future__ import annotations

from flask import jsonify, request, url_for

from sara import policy
from sara.api.common import (
    ApiError,
    api_user,
    date_field,
    expected_version,
    forbidden,
    invalid,
    iso,
    json_object,
    not_found,
    reject_unknown,
    text_field,
    with_etag,
)
from sara.api.openapi import errors, json_body, json_response, param, schema_ref
from sara.api.serializers import USER_SCHEMA, user_json
from sara.api.views import bp
from sara.core.forms import MAX_TEXT
from sara.evaluation import service
from sara.evaluation.forms import EvaluationForm
from sara.evaluation.models import (
    DELIVERY,
    DISPLACEMENT_TYPES,
    EFFECTIVENESS,
    EVALUATION_STATUSES,
    OBJECTIVE_RESULTS,
    OUTCOMES,
)
from sara.library.models import CASE_STUDY_STATUSES

#: The limits of the web form (sara/evaluation/forms.py), so both refuse the same input.
TEXT_LIMITS = {"measure": 500, "comparison_area": 500, "area_lsoa": 12, "comparison_lsoa": 12,
               "displacement_found": MAX_TEXT, "lessons": MAX_TEXT,
               "good_practice_summary": 2000}
COUNT_FIELDS = ("before_count", "after_count", "comparison_before_count",
                "comparison_after_count")
MAX_COUNT = 10_000_000
DATE_FIELDS = ("before_start", "before_end", "after_start", "after_end")
BOOL_FIELDS = ("is_displacement_checked", "is_diffusion_observed", "is_good_practice")
FIELDS = EvaluationForm.FIELDS
EDITABLE = (*FIELDS, "tactics", "objectives")


def _etag_key(case) -> str:
    # Not the bare case reference: the case has an ETag of its own, with its own version.
    return f"{case.reference}-evaluation"


def _serialise(case) -> dict:
    evaluation = case.evaluation
    impact = service.impact(evaluation)
    body = {"case": case.reference, "status": evaluation.status,
            "status_label": evaluation.status_label,
            "version": evaluation.version}
    for name in FIELDS:
        value = getattr(evaluation, name)
        body[name] = iso(value) if name in DATE_FIELDS else value
    body["displacement_types"] = list(evaluation.displacement_types or [])
    body.update({
        "figures_source": evaluation.figures_source,
        "impact": {"change": impact.change, "comparison_change": impact.comparison_change,
                   "relative": impact.relative},
        "tactics": [
            {"id": row.tactic_id, "category": row.tactic.category,
             "triangle_side": row.tactic.triangle_side, "description": row.tactic.description,
             "delivery": row.delivery, "delivery_note": row.delivery_note,
             "effectiveness": row.effectiveness}
            for row in evaluation.tactic_results
        ],
        "objectives": [
            {"id": row.objective_id, "text": row.objective.text, "result": row.result}
            for row in evaluation.objective_results
        ],
        "started": iso(evaluation.started_dt),
        "updated": iso(evaluation.updated_dt),
        "submitted": iso(evaluation.submitted_dt),
        "submitted_by": user_json(evaluation.submitted_by),
        "decided": iso(evaluation.decided_dt),
        "decided_by": user_json(evaluation.decided_by),
        "return_comments": evaluation.return_comments,
        "case_study": _case_study_state(case),
        "links": {
            "self": url_for("api.get_evaluation", reference=case.reference),
            "case": url_for("api.get_case", reference=case.reference),
        },
    })
    return body


def _case_study_state(case) -> dict | None:
    """Where the case study for the good-practice library stands (its text is read on the web
    page, where the personal-details check is shown alongside it)."""
    study = case.case_study
    if study is None:
        return None
    return {
        "status": study.status,
        "title": study.title,
        "written": iso(study.written_dt),
        "written_by": user_json(study.written_by),
        "published": iso(study.published_dt),
        "published_by": user_json(study.published_by),
        "links": {
            "page": url_for("evaluation.case_study", reference=case.reference),
            **({"library": url_for("library.case_study", case_reference=case.reference)}
               if study.is_published else {}),
        },
    }


def _respond(case, status: int = 200, **headers):
    response = jsonify(_serialise(case))
    response.status_code = status
    response.headers.update(headers)
    return with_etag(response, _etag_key(case), case.evaluation.version)


def _evaluation_of(reference: str):
    """The case and its evaluation, or 404 when the case is not visible or not evaluated yet."""
    case = policy.get_case_or_404(api_user(), reference)
    if case.evaluation is None:
        raise not_found("This case's evaluation has not been started.")
    return case


def _service_error(error: service.EvaluationError) -> ApiError:
    """A field's error is the client's input (422); one without a field is the evaluation's
    state (already submitted, not submitted yet...), a conflict. A case study that may not be
    published is the case study's state: a conflict naming its field, never the detail found."""
    if isinstance(error, service.CaseStudyNotPublishable):
        return ApiError(409, "Conflict", error.message, invalid_params=[
            {"name": f"case_study.{error.case_study_field}", "reason": error.message}])
    if error.field:
        return invalid({error.field: error.message}, error.message)
    return ApiError(409, "Conflict", error.message)


def _conflict() -> ApiError:
    return ApiError(412, "Precondition Failed",
                    "The evaluation has changed since you read it; GET it again and retry")


# --- reading and starting -----------------------------------------------------------------------

@bp.route("/cases/<reference>/evaluation")
def get_evaluation(reference: str):
    return _respond(_evaluation_of(reference))


@bp.route("/cases/<reference>/evaluation", methods=["POST"])
def start_evaluation(reference: str):
    user = api_user()
    case = policy.get_case_or_404(user, reference)
    if not policy.can_edit_evaluation(user, case):
        raise forbidden("Only the owning force's officers and supervisors write the evaluation, "
                        "while the case is open and at Assessment")
    existed = case.evaluation is not None
    try:
        service.start(case, user)
    except service.EvaluationError as error:
        raise _service_error(error) from None
    return _respond(case, 200 if existed else 201,
                    Location=url_for("api.get_evaluation", reference=case.reference))


# --- updating the draft -------------------------------------------------------------------------

def _count(body: dict, name: str, errors_: dict):
    value = body[name]
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        errors_[name] = "must be a whole number or null"
    elif not 0 <= value <= MAX_COUNT:
        errors_[name] = f"must be between 0 and {MAX_COUNT:,}"
    return value


def _choice(value, choices, name: str, errors_: dict, *, nullable: bool = True):
    if value is None and nullable:
        return None
    if not isinstance(value, str) or value not in choices:
        errors_[name] = "must be one of " + ", ".join(choices) + (" or null" if nullable else "")
    return value


def _tactic_rows(body: dict, case, errors_: dict) -> dict[int, dict]:
    rows = body["tactics"]
    if not isinstance(rows, list):
        errors_["tactics"] = "must be a list"
        return {}
    known = {tactic.id for tactic in case.tactics}
    current = {row.tactic_id: row for row in case.evaluation.tactic_results}
    out = {}
    for i, row in enumerate(rows):
        where = f"tactics[{i}]"
        if not isinstance(row, dict):
            errors_[where] = "must be an object"
            continue
        unknown = set(row) - {"id", "delivery", "delivery_note", "effectiveness"}
        if unknown:
            errors_[where] = "has fields that are not allowed: " + ", ".join(sorted(unknown))
            continue
        tactic_id = row.get("id")
        if isinstance(tactic_id, bool) or not isinstance(tactic_id, int) or tactic_id not in known:
            errors_[f"{where}.id"] = "is not one of this case's planned tactics"
            continue
        was = current.get(tactic_id)
        given = {
            "delivery": was.delivery if was else None,
            "delivery_note": was.delivery_note if was else "",
            "effectiveness": was.effectiveness if was else "unknown",
        }
        if "delivery" in row:
            given["delivery"] = _choice(row["delivery"], DELIVERY, f"{where}.delivery", errors_)
        if "effectiveness" in row:
            given["effectiveness"] = _choice(row["effectiveness"], EFFECTIVENESS,
                                             f"{where}.effectiveness", errors_, nullable=False)
        if "delivery_note" in row:
            note_errors = {}
            note = text_field(row, "delivery_note", note_errors, max_length=2000)
            if note_errors:
                errors_[f"{where}.delivery_note"] = note_errors["delivery_note"]
            given["delivery_note"] = note or ""
        out[tactic_id] = given
    return out


def _objective_rows(body: dict, case, errors_: dict) -> dict[int, str | None]:
    rows = body["objectives"]
    if not isinstance(rows, list):
        errors_["objectives"] = "must be a list"
        return {}
    known = {objective.id for objective in case.objectives}
    out = {}
    for i, row in enumerate(rows):
        where = f"objectives[{i}]"
        if not isinstance(row, dict) or set(row) - {"id", "result"}:
            errors_[where] = "must be an object with id and result"
            continue
        objective_id = row.get("id")
        if isinstance(objective_id, bool) or not isinstance(objective_id, int) \
                or objective_id not in known:
            errors_[f"{where}.id"] = "is not one of this case's objectives"
            continue
        if "result" in row:
            out[objective_id] = _choice(row["result"], OBJECTIVE_RESULTS, f"{where}.result",
                                        errors_)
    return out


def _values(body: dict, evaluation, errors_: dict) -> dict:
    """Every field of the draft: what the body gives, the saved value for the rest (a PATCH)."""
    values = {name: getattr(evaluation, name) for name in FIELDS}
    values["displacement_types"] = list(evaluation.displacement_types or [])
    for name, limit in TEXT_LIMITS.items():
        if name in body:
            value = text_field(body, name, errors_, max_length=limit)
            if name in ("area_lsoa", "comparison_lsoa"):
                values[name] = (value or "").upper() or None
            else:
                values[name] = value or ""
    for name in DATE_FIELDS:
        if name in body:
            values[name] = date_field(body, name, errors_)
    for name in COUNT_FIELDS:
        if name in body:
            values[name] = _count(body, name, errors_)
    for name in BOOL_FIELDS:
        if name in body:
            if not isinstance(body[name], bool):
                errors_[name] = "must be true or false"
            values[name] = body[name]
    if "outcome" in body:
        values["outcome"] = _choice(body["outcome"], OUTCOMES, "outcome", errors_)
    if "displacement_types" in body:
        types = body["displacement_types"]
        if types is None:
            types = []
        if not isinstance(types, list) or not all(isinstance(t, str) and t in DISPLACEMENT_TYPES
                                                   for t in types):
            errors_["displacement_types"] = ("must be a list of " + ", ".join(DISPLACEMENT_TYPES))
        else:
            values["displacement_types"] = types
    return values


@bp.route("/cases/<reference>/evaluation", methods=["PATCH"])
def update_evaluation(reference: str):
    user = api_user()
    case = _evaluation_of(reference)
    if not policy.can_edit_evaluation(user, case):
        raise forbidden("Only the owning force's officers and supervisors write the evaluation, "
                        "while the case is open and at Assessment")
    evaluation = case.evaluation
    version = expected_version(_etag_key(case), evaluation.version)
    body = json_object()
    reject_unknown(body, EDITABLE)
    errors_: dict = {}
    values = _values(body, evaluation, errors_)
    tactic_rows = _tactic_rows(body, case, errors_) if "tactics" in body else {}
    objective_rows = _objective_rows(body, case, errors_) if "objectives" in body else {}
    if errors_:
        raise invalid(errors_)
    try:
        service.update(evaluation, user, values, tactic_rows, objective_rows, version)
    except service.EvaluationVersionConflict:
        raise _conflict() from None
    except service.EvaluationError as error:
        raise _service_error(error) from None
    return _respond(case)


# --- submitting and deciding --------------------------------------------------------------------

def _comments(required: bool) -> str | None:
    """`comments` from the JSON body, which may be left out when they are optional."""
    if not required and not request.get_data(cache=True).strip():
        return None
    body = json_object()
    reject_unknown(body, ("comments",))
    errors_: dict = {}
    comments = text_field(body, "comments", errors_, required=required, max_length=MAX_TEXT)
    if errors_:
        raise invalid(errors_)
    return comments


def _decide(reference: str, allowed, refusal: str, act, *, comments: bool | None = None):
    """Load, check the policy and the If-Match, read the comments (None: the call takes none;
    False: optional; True: required), then act: the same order as every other update."""
    user = api_user()
    case = _evaluation_of(reference)
    if not allowed(user, case):
        raise forbidden(refusal)
    version = expected_version(_etag_key(case), case.evaluation.version)
    text = _comments(required=comments) if comments is not None else None
    try:
        act(case.evaluation, user, text, version)
    except service.EvaluationVersionConflict:
        raise _conflict() from None
    except service.EvaluationError as error:
        raise _service_error(error) from None
    return _respond(case)


@bp.route("/cases/<reference>/evaluation/submit", methods=["POST"])
def submit_evaluation(reference: str):
    return _decide(reference, policy.can_submit_evaluation,
                   "Only the case owner submits the evaluation, while the case is at Assessment",
                   lambda evaluation, user, _text, version: service.submit(evaluation, user,
                                                                          version))


@bp.route("/cases/<reference>/evaluation/approve", methods=["POST"])
def approve_evaluation(reference: str):
    return _decide(reference, policy.can_decide_evaluation,
                   "Only a supervisor of the owning force signs an evaluation off",
                   service.approve, comments=False)


@bp.route("/cases/<reference>/evaluation/return", methods=["POST"])
def return_evaluation(reference: str):
    return _decide(reference, policy.can_decide_evaluation,
                   "Only a supervisor of the owning force returns an evaluation",
                   service.return_to_draft, comments=True)


# --- OpenAPI ------------------------------------------------------------------------------------

def _or_null(schema: dict) -> dict:
    return {"anyOf": [schema, {"type": "null"}]}


_NULLABLE_STRING = {"type": ["string", "null"]}
_NULLABLE_DATE = {"type": ["string", "null"], "format": "date"}
_NULLABLE_COUNT = {"type": ["integer", "null"], "minimum": 0, "maximum": MAX_COUNT}


def _text(limit: int) -> dict:
    return {"type": "string", "maxLength": limit}


_FIELD_SCHEMAS = {
    "measure": _text(500),
    "before_start": _NULLABLE_DATE, "before_end": _NULLABLE_DATE,
    "after_start": _NULLABLE_DATE, "after_end": _NULLABLE_DATE,
    "before_count": _NULLABLE_COUNT, "after_count": _NULLABLE_COUNT,
    "comparison_before_count": _NULLABLE_COUNT, "comparison_after_count": _NULLABLE_COUNT,
    "comparison_area": _text(500),
    "area_lsoa": {"type": ["string", "null"], "maxLength": 12},
    "comparison_lsoa": {"type": ["string", "null"], "maxLength": 12},
    "is_displacement_checked": {"type": "boolean"},
    "displacement_types": {"type": "array",
                           "items": {"type": "string", "enum": list(DISPLACEMENT_TYPES)}},
    "displacement_found": _text(MAX_TEXT),
    "is_diffusion_observed": {"type": "boolean"},
    "outcome": {"type": ["string", "null"], "enum": [*OUTCOMES, None]},
    "lessons": _text(MAX_TEXT),
    "is_good_practice": {"type": "boolean"},
    "good_practice_summary": _text(2000),
}

_RESPONSE_FIELDS = {**_FIELD_SCHEMAS,
                    "measure": {"type": "string"}, "comparison_area": {"type": "string"},
                    "area_lsoa": _NULLABLE_STRING, "comparison_lsoa": _NULLABLE_STRING,
                    "displacement_found": {"type": "string"}, "lessons": {"type": "string"},
                    "good_practice_summary": {"type": "string"},
                    "before_count": {"type": ["integer", "null"]},
                    "after_count": {"type": ["integer", "null"]},
                    "comparison_before_count": {"type": ["integer", "null"]},
                    "comparison_after_count": {"type": ["integer", "null"]}}

_NUMBER_OR_NULL = {"type": ["number", "null"]}

SCHEMAS = {
    "Evaluation": {
        "type": "object",
        "description": "A case's evaluation (the Assessment stage).",
        "required": ["case", "status", "version", *FIELDS, "impact", "tactics", "objectives",
                     "links"],
        "properties": {
            "case": {"type": "string", "description": "The case reference"},
            "status": {"type": "string", "enum": [s for s in EVALUATION_STATUSES
                                                  if s != "not_started"]},
            "status_label": {"type": "string"},
            "version": {"type": "integer"},
            **_RESPONSE_FIELDS,
            "figures_source": {"type": ["object", "null"],
                               "description": "Where each count came from: incident data or "
                                              "typed in by hand"},
            "impact": {
                "type": "object",
                "description": "Percentage changes; null when not computable (a missing or zero "
                               "baseline).",
                "properties": {"change": _NUMBER_OR_NULL, "comparison_change": _NUMBER_OR_NULL,
                               "relative": _NUMBER_OR_NULL},
            },
            "tactics": {"type": "array", "items": {
                "type": "object",
                "required": ["id", "delivery", "delivery_note", "effectiveness"],
                "properties": {
                    "id": {"type": "integer", "description": "The planned tactic"},
                    "category": {"type": "string"},
                    "triangle_side": {"type": "string"},
                    "description": {"type": "string"},
                    "delivery": {"type": ["string", "null"], "enum": [*DELIVERY, None]},
                    "delivery_note": {"type": "string"},
                    "effectiveness": {"type": "string", "enum": list(EFFECTIVENESS)},
                },
            }},
            "objectives": {"type": "array", "items": {
                "type": "object",
                "required": ["id", "result"],
                "properties": {
                    "id": {"type": "integer", "description": "The objective"},
                    "text": {"type": "string"},
                    "result": {"type": ["string", "null"], "enum": [*OBJECTIVE_RESULTS, None]},
                },
            }},
            "started": _NULLABLE_STRING, "updated": _NULLABLE_STRING,
            "submitted": _NULLABLE_STRING, "submitted_by": _or_null(USER_SCHEMA),
            "decided": _NULLABLE_STRING, "decided_by": _or_null(USER_SCHEMA),
            "return_comments": {"type": ["string", "null"],
                                "description": "The supervisor's comments when it was last "
                                               "returned to draft"},
            "case_study": _or_null({
                "type": "object",
                "description": "The case study written for the good-practice library: the only "
                               "text of the case the library publishes. Null until one is "
                               "written; one is needed before an evaluation marked as good "
                               "practice is submitted.",
                "required": ["status", "title", "links"],
                "properties": {
                    "status": {"type": "string", "enum": list(CASE_STUDY_STATUSES)},
                    "title": {"type": "string"},
                    "written": _NULLABLE_STRING, "written_by": _or_null(USER_SCHEMA),
                    "published": _NULLABLE_STRING, "published_by": _or_null(USER_SCHEMA),
                    "links": {"type": "object",
                              "properties": {"page": {"type": "string"},
                                             "library": {"type": "string"}}},
                },
            }),
            "links": {"type": "object", "properties": {"self": {"type": "string"},
                                                       "case": {"type": "string"}}},
        },
    },
    "EvaluationUpdate": {
        "type": "object",
        "description": "The fields to change; any left out keep their saved value.",
        "example": {"measure": "ASB calls within 200 m of the park", "before_start": "2026-01-01",
                    "before_end": "2026-03-31", "before_count": 40, "after_start": "2026-05-01",
                    "after_end": "2026-07-31", "after_count": 10, "outcome": "reduced",
                    "lessons": "Better lighting worked"},
        "additionalProperties": False,
        "properties": {
            **_FIELD_SCHEMAS,
            "tactics": {"type": "array", "items": {
                "type": "object", "required": ["id"], "additionalProperties": False,
                "properties": {
                    "id": {"type": "integer"},
                    "delivery": {"type": ["string", "null"], "enum": [*DELIVERY, None]},
                    "delivery_note": {"type": "string", "maxLength": 2000},
                    "effectiveness": {"type": "string", "enum": list(EFFECTIVENESS)},
                },
            }},
            "objectives": {"type": "array", "items": {
                "type": "object", "required": ["id"], "additionalProperties": False,
                "properties": {"id": {"type": "integer"},
                               "result": {"type": ["string", "null"],
                                          "enum": [*OBJECTIVE_RESULTS, None]}},
            }},
        },
    },
    "EvaluationDecision": {
        "type": "object",
        "additionalProperties": False,
        "properties": {"comments": {"type": "string", "maxLength": MAX_TEXT}},
    },
    "EvaluationReturn": {
        "type": "object",
        "additionalProperties": False,
        "required": ["comments"],
        "properties": {"comments": {"type": "string", "minLength": 1, "maxLength": MAX_TEXT,
                                    "description": "What must change before it can be "
                                                   "approved"}},
    },
}

_EVALUATION = schema_ref("Evaluation")
_TAGS = ["evaluation"]
_REF = [param("Reference")]
_GUARDED = [param("Reference"), param("IfMatch")]
_UPDATED = json_response("The evaluation as it is now", _EVALUATION, etag=True)

PATHS = {
    "/cases/{reference}/evaluation": {
        "get": {
            "operationId": "getEvaluation", "tags": _TAGS, "parameters": _REF,
            "summary": "Read a case's evaluation",
            "description": "404 when the case is not visible to you or its evaluation has not "
                           "been started. Audited as a view of the case.",
            "responses": {"200": json_response("The evaluation", _EVALUATION, etag=True),
                          **errors(401, 404)},
        },
        "post": {
            "operationId": "startEvaluation", "tags": _TAGS, "parameters": _REF,
            "summary": "Start the evaluation",
            "description": "For the owning force's officers and supervisors, once the case is "
                           "at Assessment. 201 when started; 200 if it already was.",
            "responses": {
                "200": json_response("It was already started", _EVALUATION, etag=True),
                "201": json_response("Started as a draft", _EVALUATION, etag=True,
                                     location=True),
                **errors(401, 403, 404, 409),
            },
        },
        "patch": {
            "operationId": "updateEvaluation", "tags": _TAGS, "parameters": _GUARDED,
            "summary": "Update the draft evaluation",
            "description": "Send only the fields to change. Per-tactic and per-objective rows "
                           "are addressed by the tactic's or objective's id, as in the "
                           "evaluation. 409 once it has been submitted or approved.",
            "requestBody": json_body(schema_ref("EvaluationUpdate")),
            "responses": {"200": _UPDATED,
                          **errors(400, 401, 403, 404, 409, 412, 415, 422, 428)},
        },
    },
    "/cases/{reference}/evaluation/submit": {
        "post": {
            "operationId": "submitEvaluation", "tags": _TAGS, "parameters": _GUARDED,
            "summary": "Submit the evaluation for sign-off",
            "description": "The case owner, once the outcome and the measure are filled in "
                           "(422 otherwise). An evaluation marked as good practice needs its "
                           "case study written first (409 otherwise).",
            "responses": {"200": _UPDATED, **errors(401, 403, 404, 409, 412, 422, 428)},
        },
    },
    "/cases/{reference}/evaluation/approve": {
        "post": {
            "operationId": "approveEvaluation", "tags": _TAGS, "parameters": _GUARDED,
            "summary": "Approve a submitted evaluation",
            "description": "Supervisors of the owning force. Comments are optional. Approving "
                           "an evaluation marked as good practice publishes its case study in "
                           "the good-practice library; when the case study holds the name, "
                           "phone number, address or postcode of a person linked to the case, "
                           "the approval is refused (409, the field named in invalid_params as "
                           "case_study.<field>) and nothing changes.",
            "requestBody": {**json_body(schema_ref("EvaluationDecision")), "required": False},
            "responses": {"200": _UPDATED,
                          **errors(400, 401, 403, 404, 409, 412, 415, 422, 428)},
        },
    },
    "/cases/{reference}/evaluation/return": {
        "post": {
            "operationId": "returnEvaluation", "tags": _TAGS, "parameters": _GUARDED,
            "summary": "Return a submitted evaluation to draft",
            "description": "Supervisors of the owning force, saying what must change.",
            "requestBody": json_body(schema_ref("EvaluationReturn")),
            "responses": {"200": _UPDATED,
                          **errors(400, 401, 403, 404, 409, 412, 415, 422, 428)},
        },
    },
}

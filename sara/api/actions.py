"""/api/v1 actions: the cross-case lists, a case's actions, allocating, editing and working one.

The same policy as the action pages (sara.actions.views): adding and editing need a contributor to
an open case; moving an action on or adding a note needs a contributor, or whoever the action is
allocated to, even when the case is shared with them only to view.
"""

from __future__ import annotations

from flask import g, jsonify, request, url_for
from sqlalchemy.orm.exc import StaleDataError

from sara import policy
from sara.actions import service
from sara.actions.models import ACTION_STATUSES, PRIORITIES
from sara.api.cases import choice_field, clean_text
from sara.api.common import (
    ApiError,
    date_field,
    etag_of,
    expected_version,
    forbidden,
    invalid,
    json_object,
    reject_unknown,
    with_etag,
)
from sara.api.openapi import errors, json_body, json_response, param, schema_ref
from sara.api.serializers import (
    ACTION_DETAIL_SCHEMA,
    ACTION_SCHEMA,
    action_json,
    allocation_value,
)
from sara.api.views import bp
from sara.cases.taxonomy import TACTIC_CATEGORIES, TRIANGLE_SIDES
from sara.core import unit_of_work
from sara.core.forms import MAX_TEXT
from sara.extensions import db

SCOPES = {
    "mine": "Allocated to you, or to your organisation as a whole",
    "organisation": "Allocated to your organisation or anyone in it",
    "allocated": "Allocated by you",
}
LIST_LIMIT = 500  # the action list's own cap (sara.actions.service.action_list)

ACTION_FIELDS = ("title", "description", "tactic_category", "triangle_side", "allocation",
                 "due_date", "priority")
#: The service's field names, as the API calls them.
FIELD_NAMES = {"to_status": "status", "text": "note"}


def _user():
    return g.api_user


def _action_error(error: service.ActionError) -> ApiError:
    name = FIELD_NAMES.get(error.field, error.field)
    if name:
        return invalid({name: error.message}, error.message)
    return ApiError(409, "Conflict", error.message)


def _action_response(action, status: int = 200, *, history: bool = True):
    response = jsonify(action_json(action, history=history))
    response.status_code = status
    return with_etag(response, action.reference, action.version)


def _load(reference: str, action_ref: str):
    user = _user()
    case = policy.get_case_or_404(user, reference)
    return case, policy.get_action_or_404(user, case, action_ref)


def _action_values(body: dict, current: dict | None = None) -> dict:
    """The action's fields, checked as the action form checks them. With `current` (an update),
    missing fields keep their current values, because the service takes the whole action."""
    errors: dict[str, str] = {}
    values = dict(current or {})
    if current is None or "title" in body:
        values["title"] = clean_text(body, "title", errors, required=True, max_length=200)
    if "description" in body:
        values["description"] = clean_text(body, "description", errors,
                                           max_length=MAX_TEXT) or ""
    values.setdefault("description", "")
    if current is None or "tactic_category" in body:
        values["tactic_category"] = choice_field(
            body, "tactic_category", errors, TACTIC_CATEGORIES,
            "must be one of: " + ", ".join(TACTIC_CATEGORIES))
    if current is None or "triangle_side" in body:
        values["triangle_side"] = choice_field(
            body, "triangle_side", errors, TRIANGLE_SIDES,
            "must be one of: " + ", ".join(TRIANGLE_SIDES))
    if current is None or "allocation" in body:
        values["allocation"] = clean_text(body, "allocation", errors, required=True,
                                          max_length=40)
    if current is None or "due_date" in body:
        values["due_date"] = date_field(body, "due_date", errors, required=True)
    if "priority" in body or current is None:
        values["priority"] = (choice_field(body, "priority", errors, PRIORITIES,
                                           "must be one of: " + ", ".join(PRIORITIES))
                              if "priority" in body else "normal")
    if errors:
        raise invalid(errors)
    return values


# --- lists -------------------------------------------------------------------------------------

@bp.route("/actions", methods=["GET"])
def list_actions():
    errors: dict[str, str] = {}
    args = request.args

    def choice(name, choices, default):
        value = args.get(name) or default
        if value not in choices:
            errors[name] = "must be one of: " + ", ".join(choices)
        return value

    scope = choice("scope", SCOPES, "mine")
    sort = choice("sort", service.ACTION_SORTS, "due")
    direction = choice("direction", ("asc", "desc"), "asc")
    finished = choice("finished", ("true", "false"), "false")
    if errors:
        raise invalid(errors, "Some parameters are not valid")
    actions = service.action_list(_user(), scope, sort, direction, finished == "true")
    return jsonify({"scope": scope, "count": len(actions),
                    "items": [action_json(a) for a in actions]})


@bp.route("/cases/<reference>/actions", methods=["GET"])
def list_case_actions(reference: str):
    case = policy.get_case_or_404(_user(), reference)
    actions = service.case_actions(case)
    return jsonify({"count": len(actions), "items": [action_json(a) for a in actions]})


# --- create ------------------------------------------------------------------------------------

@bp.route("/cases/<reference>/actions", methods=["POST"])
def create_action(reference: str):
    user = _user()
    case = policy.get_case_or_404(user, reference)
    if not policy.can_add_action(user, case):
        raise forbidden("You may not add actions to this case")
    body = json_object()
    reject_unknown(body, ACTION_FIELDS)
    values = _action_values(body)
    try:
        action = service.create_action(case, user, values)
    except service.ActionError as error:
        raise _action_error(error) from None
    response = _action_response(action, 201)
    response.headers["Location"] = url_for("api.get_action", reference=case.reference,
                                           action_ref=action.reference)
    return response


# --- read --------------------------------------------------------------------------------------

@bp.route("/cases/<reference>/actions/<action_ref>", methods=["GET"])
def get_action(reference: str, action_ref: str):
    _, action = _load(reference, action_ref)
    return _action_response(action)


# --- update: edit, move on, add a note ---------------------------------------------------------

@bp.route("/cases/<reference>/actions/<action_ref>", methods=["PATCH"])
def update_action(reference: str, action_ref: str):
    user = _user()
    _, action = _load(reference, action_ref)
    if not policy.can_work_action(user, action):
        raise forbidden("You may not work this action")
    body = json_object()
    reject_unknown(body, (*ACTION_FIELDS, "status", "note"))
    edits = [name for name in ACTION_FIELDS if name in body]
    if edits and not policy.can_edit_action(user, action):
        raise forbidden("You may move this action on or add notes, not change "
                        + ", ".join(edits))
    errors: dict[str, str] = {}
    to_status = (choice_field(body, "status", errors, ACTION_STATUSES,
                              "must be one of: " + ", ".join(ACTION_STATUSES))
                 if "status" in body else None)
    note = clean_text(body, "note", errors, max_length=MAX_TEXT)
    if errors:
        raise invalid(errors)
    values = None
    if edits:
        values = _action_values(body, current={
            "title": action.title, "description": action.description or "",
            "tactic_category": action.tactic_category, "triangle_side": action.triangle_side,
            "allocation": allocation_value(action), "due_date": action.due_date,
            "priority": action.priority,
        })
    version = expected_version(action.reference, action.version)
    try:
        if values is not None:
            service.update_action(action, user, values, version)
        if to_status is not None and to_status != action.status:
            service.change_status(action, user, to_status, note, action.version)
        elif note:
            service.add_note(action, user, note)
        db.session.flush()
    except (service.ActionVersionConflict, StaleDataError):
        unit_of_work.discard()
        raise ApiError(412, "Precondition Failed",
                       "The action has changed since you read it; GET it again and retry",
                       headers={"ETag": etag_of(action.reference, action.version)}) from None
    except service.ActionError as error:
        raise _action_error(error) from None
    return _action_response(action)


# --- the OpenAPI description -------------------------------------------------------------------

_TEXT = {"type": "string", "maxLength": MAX_TEXT}
_FIELDS = {
    "title": {"type": "string", "minLength": 1, "maxLength": 200,
              "examples": ["Cut back the hedges on the footpath"]},
    "description": _TEXT,
    "tactic_category": {"type": "string", "enum": list(TACTIC_CATEGORIES)},
    "triangle_side": {"type": "string", "enum": list(TRIANGLE_SIDES)},
    "allocation": {"type": "string", "maxLength": 40, "pattern": "^(user|org):[0-9]+$",
                   "description": "`org:<id>`: the owning force or an organisation the case is "
                                  "shared with; `user:<id>`: one of their people.",
                   "examples": ["org:3"]},
    "due_date": {"type": "string", "format": "date", "examples": ["2027-03-27"],
                 "description": "Today or later, when creating."},
    "priority": {"type": "string", "enum": list(PRIORITIES), "default": "normal"},
}

SCHEMAS = {
    "Action": ACTION_SCHEMA,
    "ActionDetail": ACTION_DETAIL_SCHEMA,
    "NewAction": {
        "type": "object",
        "additionalProperties": False,
        "required": ["title", "tactic_category", "triangle_side", "allocation", "due_date"],
        "properties": _FIELDS,
    },
    "ActionUpdate": {
        "type": "object",
        "additionalProperties": False,
        "description": "Any of the action's fields (contributors to an open case), and/or a "
                       "status move with an optional note, or a note alone (contributors, and "
                       "whoever the action is allocated to). Done needs a note: the result. "
                       "Cancelled needs a note: the reason.",
        "properties": {
            **_FIELDS,
            "status": {"type": "string", "enum": list(ACTION_STATUSES)},
            "note": _TEXT,
        },
    },
    "ActionList": {
        "type": "object",
        "required": ["count", "items"],
        "properties": {
            "scope": {"type": "string", "enum": list(SCOPES)},
            "count": {"type": "integer", "minimum": 0},
            "items": {"type": "array", "items": schema_ref("Action")},
        },
    },
}


def _query(name: str, values, description: str) -> dict:
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": {"type": "string", "enum": list(values)}}


_ACTION_PARAMS = [param("Reference"), param("ActionRef")]

PATHS = {
    "/actions": {
        "get": {
            "operationId": "listActions",
            "tags": ["actions"],
            "summary": "Actions across every case you can see",
            "description": f"At most {LIST_LIMIT}, soonest due first unless sorted otherwise.",
            "parameters": [
                _query("scope", SCOPES, "mine (default): allocated to you, or to your "
                                        "organisation as a whole; organisation: to "
                                        "your organisation or anyone in it; allocated: by you."),
                _query("sort", service.ACTION_SORTS, "Sort by due date (default), status or "
                                                     "case."),
                _query("direction", ("asc", "desc"), "Sort direction (default: asc)."),
                _query("finished", ("true", "false"), "Include done and cancelled actions."),
            ],
            "responses": {
                "200": json_response("The actions", schema_ref("ActionList")),
                **errors(401, 422),
            },
        },
    },
    "/cases/{reference}/actions": {
        "parameters": [param("Reference")],
        "get": {
            "operationId": "listCaseActions",
            "tags": ["actions"],
            "summary": "A case's actions",
            "description": "Live actions first, then by due date.",
            "responses": {
                "200": json_response("The case's actions", schema_ref("ActionList")),
                **errors(401, 404),
            },
        },
        "post": {
            "operationId": "createAction",
            "tags": ["actions"],
            "summary": "Allocate a new action on a case",
            "requestBody": json_body(schema_ref("NewAction")),
            "responses": {
                "201": json_response("The new action", schema_ref("ActionDetail"), etag=True,
                                     location=True),
                **errors(400, 401, 403, 404, 415, 422),
            },
        },
    },
    "/cases/{reference}/actions/{action_ref}": {
        "parameters": _ACTION_PARAMS,
        "get": {
            "operationId": "getAction",
            "tags": ["actions"],
            "summary": "Read an action, with its history",
            "responses": {
                "200": json_response("The action", schema_ref("ActionDetail"), etag=True),
                **errors(401, 404),
            },
        },
        "patch": {
            "operationId": "updateAction",
            "tags": ["actions"],
            "summary": "Edit an action, move it on, or add a note",
            "parameters": [param("IfMatch")],
            "requestBody": json_body(schema_ref("ActionUpdate")),
            "responses": {
                "200": json_response("The action as saved", schema_ref("ActionDetail"),
                                     etag=True),
                **errors(400, 401, 403, 404, 409, 412, 415, 422, 428),
            },
        },
    },
}

"""The flag queue over the API: the same queue, filters and acknowledgement as the supervisors'
page (sara/flags/views.py), for the force's supervisors and admins."""

from __future__ import annotations

import sqlalchemy as sa
from flask import jsonify, request, url_for

from sara import policy
from sara.actions.models import Action
from sara.api.common import (
    ApiError,
    api_user,
    forbidden,
    invalid,
    iso,
    page_args,
    page_body,
)
from sara.api.openapi import errors, json_response, page_schema, param, schema_ref
from sara.api.serializers import CASE_REF_SCHEMA, USER_SCHEMA, user_json
from sara.api.views import bp
from sara.cases.models import ProblemCase
from sara.extensions import db
from sara.flags import service
from sara.flags.models import FLAG_KINDS, FLAG_STATES
from sara.people.models import Person

_QUEUE_ONLY = "The flag queue is for a police force's supervisors and admins"


def _check_queue_access(user) -> None:
    if not policy.can_see_flag_queue(user):
        raise forbidden(_QUEUE_ONLY)


def _item(flag, case_reference, case_title, person_reference, person_name, neighbourhoods,
          action_reference, show_names: bool) -> dict:
    case = ({"reference": case_reference, "title": case_title,
             "links": {"self": url_for("api.get_case", reference=case_reference)}}
            if case_reference else None)
    return {
        "id": flag.id,
        "kind": flag.kind,
        "kind_label": flag.kind_label,
        "status": flag.status,
        "description": service.describe(flag),
        "evidence": flag.evidence or {},
        "rule_version": flag.rule_version,
        "raised": iso(flag.raised_dt),
        "acknowledged": iso(flag.acknowledged_dt),
        "acknowledged_by": user_json(flag.acknowledged_by),
        "resolved": iso(flag.resolved_dt),
        "resolved_note": flag.resolved_note,
        "case": case,
        # A name is personal data: only for those who may look people up, as on the page.
        "person": ({"reference": person_reference,
                    **({"name": person_name} if show_names else {})}
                   if person_reference else None),
        "action": action_reference,
        "neighbourhoods": neighbourhoods,
        "links": {"self": url_for("api.get_flag", flag_id=flag.id)},
    }


def _action_references(action_ids) -> dict[int, str]:
    ids = {i for i in action_ids if i is not None}
    if not ids:
        return {}
    return dict(db.session.execute(sa.select(Action.id, Action.reference)
                                   .where(Action.id.in_(ids))).all())


def _filters(user) -> service.QueueFilters:
    """The web queue's filters, but a bad one is an error here rather than ignored: a program
    that sends a wrong filter should hear about it."""
    errors_ = {}
    kind = request.args.get("kind") or None
    if kind is not None and kind not in FLAG_KINDS:
        errors_["kind"] = "must be one of " + ", ".join(FLAG_KINDS)
    neighbourhood = request.args.get("neighbourhood") or None
    if neighbourhood is not None and neighbourhood != service.NO_NEIGHBOURHOOD:
        ids = {n.id for n in user.organisation.neighbourhoods}
        if not neighbourhood.isdigit() or int(neighbourhood) not in ids:
            errors_["neighbourhood"] = (f"must be the id of one of your force's neighbourhoods, "
                                        f"or {service.NO_NEIGHBOURHOOD}")
        else:
            neighbourhood = int(neighbourhood)
    resolved = (request.args.get("resolved") or "false").lower()
    if resolved not in ("true", "false"):
        errors_["resolved"] = "must be true or false"
    if errors_:
        raise invalid(errors_, "The filters are not valid")
    return service.QueueFilters(kind=kind, neighbourhood=neighbourhood,
                                is_resolved=resolved == "true")


@bp.route("/flags")
def list_flags():
    user = api_user()
    _check_queue_access(user)
    filters = _filters(user)
    args = page_args()
    filters.page = args.page
    page = service.flag_queue(user, filters, args.per_page)
    actions = _action_references(row.flag.action_id for row in page.rows)
    show_names = policy.can_lookup_people(user)
    items = [_item(row.flag, row.case_reference, row.case_title, row.person_reference,
                   row.person_name, row.neighbourhoods, actions.get(row.flag.action_id),
                   show_names)
             for row in page.rows]
    params = {name: request.args[name] for name in ("kind", "neighbourhood", "resolved")
              if request.args.get(name)}
    return jsonify(page_body(items, page.total, args, "api.list_flags", **params))


def _one(user, flag) -> dict:
    case = db.session.get(ProblemCase, flag.case_id) if flag.case_id else None
    person = db.session.get(Person, flag.person_id) if flag.person_id else None
    if case is not None:
        neighbourhoods = [case.neighbourhood.name] if case.neighbourhood else []
    elif person is not None:
        # The queue's own rule for where a person-only flag belongs.
        neighbourhoods = service._neighbourhoods_of_people(  # noqa: SLF001
            user.organisation_id, {person.id}).get(person.id, [])
    else:
        neighbourhoods = []
    return _item(flag, case.reference if case else None, case.title if case else None,
                 person.reference if person else None, person.name if person else None,
                 neighbourhoods, _action_references([flag.action_id]).get(flag.action_id),
                 policy.can_lookup_people(user))


@bp.route("/flags/<int:flag_id>")
def get_flag(flag_id: int):
    user = api_user()
    _check_queue_access(user)
    return jsonify(_one(user, policy.get_flag_or_404(user, flag_id)))


@bp.route("/flags/<int:flag_id>/acknowledge", methods=["POST"])
def acknowledge_flag(flag_id: int):
    user = api_user()
    _check_queue_access(user)
    flag = policy.get_flag_or_404(user, flag_id)
    try:
        service.acknowledge(flag, user)
    except service.FlagError:
        if flag.status == "acknowledged":
            who = flag.acknowledged_by.name if flag.acknowledged_by else "someone"
            detail = f"This flag was already acknowledged by {who}"
        else:
            detail = "This flag was resolved: there is nothing to acknowledge"
        raise ApiError(409, "Conflict", detail) from None
    return jsonify(_one(user, policy.get_flag_or_404(user, flag_id)))


# --- OpenAPI ------------------------------------------------------------------------------------

def _or_null(schema: dict) -> dict:
    return {"anyOf": [schema, {"type": "null"}]}


_NULLABLE_STRING = {"type": ["string", "null"]}

SCHEMAS = {
    "Flag": {
        "type": "object",
        "description": "A finding of a background check, kept with its evidence.",
        "required": ["id", "kind", "status", "description", "evidence", "raised", "case",
                     "person", "action", "neighbourhoods", "links"],
        "properties": {
            "id": {"type": "integer"},
            "kind": {"type": "string", "enum": list(FLAG_KINDS)},
            "kind_label": {"type": "string"},
            "status": {"type": "string", "enum": list(FLAG_STATES)},
            "description": {"type": "string", "description": "The flag and its evidence in words"},
            "evidence": {"type": "object",
                         "description": "The facts the rule used: counts, window, threshold"},
            "rule_version": {"type": "integer"},
            "raised": {"type": "string"},
            "acknowledged": _NULLABLE_STRING,
            "acknowledged_by": _or_null(USER_SCHEMA),
            "resolved": _NULLABLE_STRING,
            "resolved_note": _NULLABLE_STRING,
            "case": _or_null(CASE_REF_SCHEMA),
            "person": {"type": ["object", "null"], "required": ["reference"],
                       "description": "The name only for those who may look people up",
                       "properties": {"reference": {"type": "string"},
                                      "name": {"type": "string"}}},
            "action": {"type": ["string", "null"], "description": "The action's reference"},
            "neighbourhoods": {"type": "array", "items": {"type": "string"}},
            "links": {"type": "object"},
        },
    },
}

_TAGS = ["flags"]
_FLAG_ID = {"name": "flag_id", "in": "path", "required": True,
            "schema": {"type": "integer", "minimum": 1}}
_FLAG = schema_ref("Flag")

PATHS = {
    "/flags": {
        "get": {
            "operationId": "listFlags", "tags": _TAGS,
            "summary": "The force's flag queue",
            "description": "For a police force's supervisors and admins: the live flags on its "
                           "cases and about the people it holds records on, newest first, or "
                           f"those resolved in the last {service.RESOLVED_DAYS} days.",
            "parameters": [
                {"name": "kind", "in": "query", "required": False,
                 "schema": {"type": "string", "enum": list(FLAG_KINDS)}},
                {"name": "neighbourhood", "in": "query", "required": False,
                 "description": "A neighbourhood's id, or `none` for flags about people on none "
                                "of the force's cases",
                 "schema": {"type": "string"}},
                {"name": "resolved", "in": "query", "required": False,
                 "schema": {"type": "string", "enum": ["true", "false"], "default": "false"}},
                param("Page"), param("PerPage"),
            ],
            "responses": {"200": json_response("A page of flags", page_schema(_FLAG)),
                          **errors(401, 403, 422)},
        },
    },
    "/flags/{flag_id}": {
        "get": {
            "operationId": "getFlag", "tags": _TAGS, "parameters": [_FLAG_ID],
            "summary": "One flag of the force's queue",
            "responses": {"200": json_response("The flag", _FLAG), **errors(401, 403, 404)},
        },
    },
    "/flags/{flag_id}/acknowledge": {
        "post": {
            "operationId": "acknowledgeFlag", "tags": _TAGS, "parameters": [_FLAG_ID],
            "summary": "Acknowledge a newly raised flag",
            "description": "409 when it was acknowledged or resolved already. Audited.",
            "responses": {"200": json_response("The flag, acknowledged", _FLAG),
                          **errors(401, 403, 404, 409)},
        },
    },
}

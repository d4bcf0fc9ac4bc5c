"""Complaints made to a partner body, over the API: record one (as the web form does) and list
your organisation's. The same policy and service as the complaint pages
(sara.incidents.complaints)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import jsonify, url_for

from sara import policy
from sara.api.common import (
    api_user,
    date_field,
    forbidden,
    invalid,
    iso,
    json_object,
    page_args,
    page_body,
    reject_unknown,
    text_field,
)
from sara.api.incidents import _no_control, _occurred
from sara.api.openapi import errors, json_response, page_schema, param, schema_ref
from sara.api.views import bp
from sara.audit import consultation
from sara.core.forms import MAX_TEXT
from sara.extensions import db
from sara.incidents import complaints
from sara.incidents.models import COMPLAINANT_ROLES, PartnerComplaint
from sara.incidents.service import IncidentError
from sara.orgs.models import Organisation
from sara.people.service import PersonError, normalise_postcode

FIELDS = ("force", "occurred_at", "reported_on", "category", "location", "postcode",
          "description", "complainant")
COMPLAINANT_FIELDS = ("name", "date_of_birth", "address", "postcode", "phone", "role")
#: The service's field names, as this API calls them
_NAMES = {"force_id": "force", "occurred_dt": "occurred_at", "reported_date": "reported_on",
          "location_text": "location", "complainant_name": "complainant.name",
          "complainant_dob": "complainant.date_of_birth",
          "complainant_address": "complainant.address",
          "complainant_postcode": "complainant.postcode",
          "complainant_phone": "complainant.phone", "complainant_role": "complainant.role"}


def _force(body: dict, errors_: dict) -> int | None:
    name = text_field(body, "force", errors_, required=True, max_length=200)
    if not name:
        return None
    found = db.session.scalar(sa.select(Organisation.id).where(
        Organisation.kind == "police", sa.func.lower(Organisation.name) == name.lower()))
    if found is None:
        errors_["force"] = "must be the name of a police force in SARA"
    return found


def _postcode(body: dict, errors_: dict) -> str | None:
    value = text_field(body, "postcode", errors_, max_length=10)
    if "postcode" in errors_:
        return None
    try:
        return normalise_postcode(value)
    except PersonError as error:
        errors_["postcode"] = error.message
        return None


def _complainant(body: dict, errors_: dict) -> dict:
    person = body.get("complainant")
    if not isinstance(person, dict):
        errors_["complainant"] = ("is required" if person is None else
                                  "must be an object with name, role and optionally "
                                  "date_of_birth, address, postcode and phone")
        return {}
    unknown = set(person) - set(COMPLAINANT_FIELDS)
    if unknown:
        errors_["complainant"] = "has unknown members: " + ", ".join(sorted(unknown))
    found: dict = {}
    values = {}
    for name, limit, required in (("name", 200, True), ("address", 300, False),
                                  ("phone", 40, False)):
        values[name] = _no_control(name, text_field(person, name, found, required=required,
                                                    max_length=limit), found)
    values["date_of_birth"] = date_field(person, "date_of_birth", found)
    values["postcode"] = _postcode(person, found)
    role = person.get("role")
    if not isinstance(role, str) or role not in COMPLAINANT_ROLES:
        found["role"] = "must be one of " + ", ".join(COMPLAINANT_ROLES)
    errors_.update({f"complainant.{name}": reason for name, reason in found.items()})
    return {"complainant_name": values["name"], "complainant_dob": values["date_of_birth"],
            "complainant_address": values["address"], "complainant_phone": values["phone"],
            "complainant_postcode": values["postcode"], "complainant_role": role}


def _values(body: dict, errors_: dict) -> dict:
    return {
        "force_id": _force(body, errors_),
        "occurred_dt": _occurred(body, errors_),
        "reported_date": date_field(body, "reported_on", errors_, required=True),
        "category": _no_control("category", text_field(body, "category", errors_, required=True,
                                                       max_length=80), errors_),
        "location_text": _no_control("location", text_field(
            body, "location", errors_, required=True, max_length=300), errors_),
        "postcode": _postcode(body, errors_),
        "description": text_field(body, "description", errors_, max_length=MAX_TEXT) or "",
        **_complainant(body, errors_),
    }


def _complaint_body(complaint: PartnerComplaint, force: str) -> dict:
    """What the partner entered, never the force's record of the person."""
    incident = complaint.incident
    return {
        "reference": incident.reference,
        "force": force,
        "reported_to": incident.reported_to.name,
        "occurred_at": iso(incident.occurred_dt),
        "reported_at": iso(incident.reported_dt),
        "reported_in_time": incident.is_reported_in_time,
        "category": incident.category,
        "location": incident.location_text,
        "postcode": incident.postcode,
        "description": incident.description,
        "complainant": {
            "name": complaint.complainant_name,
            "date_of_birth": iso(complaint.complainant_dob),
            "address": complaint.complainant_address,
            "postcode": complaint.complainant_postcode,
            "phone": complaint.complainant_phone,
            "role": complaint.complainant_role,
        },
        "links": {"page": url_for("incidents.show_complaint", incident_id=incident.id)},
    }


def _may_record(user) -> None:
    if not policy.can_record_complaints(user):
        raise forbidden("Only a partner organisation's staff record complaints made to it; the "
                        "police record incidents")


@bp.route("/complaints", methods=["POST"])
def create_complaint():
    user = api_user()
    _may_record(user)
    body = json_object()
    reject_unknown(body, FIELDS)
    errors_: dict = {}
    values = _values(body, errors_)
    if errors_:
        raise invalid(errors_)
    try:
        complaint = complaints.record_complaint(user, values)
    except IncidentError as error:
        name = _NAMES.get(error.field or "", error.field or "")
        raise invalid({name: error.message}, error.message) from None
    response = jsonify(_complaint_body(complaint, complaints.force_name(complaint)))
    response.status_code = 201
    return response


@bp.route("/complaints")
def list_complaints():
    user = api_user()
    _may_record(user)
    args = page_args()
    rows, total = complaints.complaints_of(user, args.page, args.per_page)
    # The same consultation as the complaint list page.
    consultation.listed("incident", [row.incident for row in rows],
                        summary=consultation.counted(len(rows), "complaint"))
    return jsonify(page_body([_complaint_body(row.complaint, row.force) for row in rows], total,
                             args, "api.list_complaints"))


# --- the OpenAPI document --------------------------------------------------------------------

_NULLABLE_STRING = {"type": ["string", "null"]}
_COMPLAINANT_NEW = {
    "type": "object", "additionalProperties": False, "required": ["name", "role"],
    "description": "Who made the complaint. The force holds them as a person of its own; you "
                   "see only what you send here.",
    "properties": {
        "name": {"type": "string", "minLength": 1, "maxLength": 200},
        "date_of_birth": {"type": ["string", "null"], "format": "date"},
        "address": {"type": ["string", "null"], "maxLength": 300},
        "postcode": {"type": ["string", "null"], "maxLength": 10},
        "phone": {"type": ["string", "null"], "maxLength": 40},
        "role": {"type": "string", "enum": list(COMPLAINANT_ROLES),
                 "description": "`victim`: the complainant is the victim; `reporter`: they "
                                "report it for someone else"},
    },
}

SCHEMAS = {
    "ComplaintNew": {
        "type": "object", "additionalProperties": False,
        "required": ["force", "occurred_at", "reported_on", "category", "location",
                     "complainant"],
        "example": {"force": "Lincolnshire Police", "occurred_at": "2026-03-14T21:30:00+00:00",
                    "reported_on": "2026-03-16", "category": "Rowdy behaviour",
                    "location": "Ermine parade shops", "postcode": "LN2 2AB",
                    "description": "Youths shouting outside the flats",
                    "complainant": {"name": "Ann Smith", "phone": "07700 900123",
                                    "role": "victim"}},
        "properties": {
            "force": {"type": "string", "minLength": 1, "maxLength": 200,
                      "description": "The name of the police force whose area it happened in"},
            "occurred_at": {"type": "string", "format": "date-time",
                            "description": "When the behaviour happened; without an offset, UK "
                                           "time. Not in the future."},
            "reported_on": {"type": "string", "format": "date",
                            "description": "The day the complaint was made: not before the "
                                           "behaviour, nor in the future. It counts towards "
                                           "an ASB case review when made within one month."},
            "category": {"type": "string", "minLength": 1, "maxLength": 80},
            "location": {"type": "string", "minLength": 1, "maxLength": 300},
            "postcode": {"type": ["string", "null"], "maxLength": 10},
            "description": {"type": "string", "maxLength": MAX_TEXT},
            "complainant": _COMPLAINANT_NEW,
        },
    },
    "Complaint": {
        "type": "object",
        "required": ["reference", "force", "reported_to", "occurred_at", "reported_at",
                     "reported_in_time", "category", "complainant", "links"],
        "properties": {
            "reference": {"type": "string"},
            "force": {"type": "string", "description": "The force area it happened in"},
            "reported_to": {"type": "string", "description": "Your organisation"},
            "occurred_at": {"type": "string"},
            "reported_at": {"type": "string"},
            "reported_in_time": {"type": "boolean", "description":
                                 "Made within one month of the behaviour: it counts towards "
                                 "the ASB case review"},
            "category": {"type": "string"},
            "location": {"type": "string"},
            "postcode": _NULLABLE_STRING,
            "description": {"type": "string"},
            "complainant": {
                "type": "object", "description": "As you recorded them",
                "required": ["name", "role"],
                "properties": {"name": {"type": "string"},
                               "date_of_birth": _NULLABLE_STRING,
                               "address": _NULLABLE_STRING, "postcode": _NULLABLE_STRING,
                               "phone": _NULLABLE_STRING,
                               "role": {"type": "string", "enum": list(COMPLAINANT_ROLES)}},
            },
            "links": {"type": "object"},
        },
    },
}

_TAGS = ["complaints"]

PATHS = {
    "/complaints": {
        "get": {
            "operationId": "listComplaints", "tags": _TAGS,
            "parameters": [param("Page"), param("PerPage")],
            "summary": "The complaints your organisation recorded",
            "description": "For a partner organisation's staff: the complaints made to your "
                           "organisation and recorded in SARA, the latest behaviour first.",
            "responses": {"200": json_response("A page of complaints",
                                               page_schema(schema_ref("Complaint"))),
                          **errors(401, 403, 422)},
        },
        "post": {
            "operationId": "createComplaint", "tags": _TAGS,
            "summary": "Record a complaint made to your organisation",
            "description": "For a partner organisation's staff, as the web form: it becomes a "
                           "complaint in the force area named, counted towards an ASB case "
                           "review there. Audited.",
            "requestBody": {"required": True,
                            "content": {"application/json": {"schema":
                                                             schema_ref("ComplaintNew")}}},
            "responses": {"201": json_response("Recorded", schema_ref("Complaint")),
                          **errors(400, 401, 403, 415, 422)},
        },
    },
}

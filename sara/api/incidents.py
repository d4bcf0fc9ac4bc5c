"""Incidents over the API: record one (as the web form does), read it back, and upload a CSV file
for the worker to import, then follow the import's progress. The same policy and services as the
incident pages (sara/incidents/views.py)."""

from __future__ import annotations

import math
import re
from datetime import datetime

import sqlalchemy as sa
from flask import jsonify, request, url_for

from sara import policy
from sara.api.common import (
    ApiError,
    api_user,
    forbidden,
    invalid,
    iso,
    json_object,
    problem_response,
    reject_unknown,
    text_field,
)
from sara.api.openapi import errors, json_response, param, schema_ref
from sara.api.views import bp
from sara.core import unit_of_work
from sara.core.forms import MAX_TEXT
from sara.core.types import local_zone
from sara.extensions import db
from sara.incidents import importer, queries, service
from sara.incidents.models import CALLER_TYPES, Incident, police_uk_number
from sara.orgs.models import Organisation
from sara.people.models import PERSON_ROLES
from sara.people.service import PersonError, normalise_postcode

FIELDS = ("occurred_at", "reported_at", "reported_to", "category", "is_asb", "is_hate",
          "location", "postcode", "latitude", "longitude", "description", "source_reference",
          "people")
MAX_PEOPLE = 20
_PERSON_REF = re.compile(r"^PN-\d{1,10}$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
#: A file sent as the body itself, rather than as a form's file part, is given this name.
DEFAULT_FILENAME = "upload.csv"
_TRUE, _FALSE = ("true", "1", "yes", "y", "on"), ("false", "0", "no", "n", "off", "")


# --- recording one incident ---------------------------------------------------------------------

def _no_control(name: str, value, errors_: dict):
    if isinstance(value, str) and _CONTROL.search(value):
        errors_[name] = "contains characters that are not allowed"
    return value


def _occurred(body: dict, errors_: dict, name: str = "occurred_at",
              required: bool = True) -> datetime | None:
    value = body.get(name)
    if value is None:
        if required:
            errors_[name] = "is required"
        return None
    try:
        if not isinstance(value, str):
            raise ValueError
        moment = datetime.fromisoformat(value)
    except ValueError:
        errors_[name] = "must be a date and time like 2026-03-14T21:30:00+00:00"
        return None
    if moment.year < 1900:
        errors_[name] = "must be after 1900"
        return None
    # A time without an offset is read as the service's clock, as an officer typing it would mean.
    return moment if moment.tzinfo else moment.replace(tzinfo=local_zone())


def _coordinate(body: dict, name: str, limit: int, errors_: dict) -> float | None:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        errors_[name] = "must be a number, like 53.2307"
        return None
    if not -limit <= value <= limit:
        errors_[name] = f"must be between -{limit} and {limit}"
        return None
    return float(value)


def _people(body: dict, organisation_id: int, errors_: dict) -> list[tuple]:
    rows = body.get("people")
    if rows is None:
        return []
    if not isinstance(rows, list) or len(rows) > MAX_PEOPLE:
        errors_["people"] = f"must be a list of at most {MAX_PEOPLE} people"
        return []
    wanted: dict[tuple[str, str], tuple[int, str]] = {}
    for i, row in enumerate(rows):
        where = f"people[{i}]"
        if not isinstance(row, dict) or set(row) - {"reference", "role", "caller_type"}:
            errors_[where] = "must be an object with reference, role and optionally caller_type"
            continue
        reference, role = row.get("reference"), row.get("role")
        caller_type = row.get("caller_type", "public")
        if not isinstance(reference, str) or not _PERSON_REF.match(reference.strip().upper()):
            errors_[f"{where}.reference"] = "must be a person's reference, like PN-000123"
        if not isinstance(role, str) or role not in PERSON_ROLES:
            errors_[f"{where}.role"] = "must be one of " + ", ".join(PERSON_ROLES)
        if not isinstance(caller_type, str) or caller_type not in CALLER_TYPES:
            errors_[f"{where}.caller_type"] = "must be one of " + ", ".join(CALLER_TYPES)
        if not {f"{where}.reference", f"{where}.role", f"{where}.caller_type"} & set(errors_):
            wanted.setdefault((reference.strip().upper(), role), (i, caller_type))
    people = []
    for (reference, role), (i, caller_type) in wanted.items():
        try:
            people.append((service.person_for_incident(organisation_id, reference), role,
                           caller_type))
        except service.IncidentError as error:
            errors_[f"people[{i}].reference"] = error.message
    return people


def _reported_to(body: dict, errors_: dict) -> int | None:
    """The organisation named in reported_to (None: the caller's force)."""
    name = text_field(body, "reported_to", errors_, max_length=200)
    if not name:
        return None
    found = db.session.scalar(sa.select(Organisation.id).where(
        sa.func.lower(Organisation.name) == name.strip().lower()))
    if found is None:
        errors_["reported_to"] = "must be the name of an organisation in SARA"
    return found


def _incident_values(body: dict, errors_: dict) -> dict:
    values = {
        "occurred_dt": _occurred(body, errors_),
        "reported_dt": _occurred(body, errors_, "reported_at", required=False),
        "reported_to_id": _reported_to(body, errors_),
        "category": _no_control("category", text_field(body, "category", errors_, required=True,
                                                       max_length=80), errors_),
        "location_text": _no_control("location", text_field(
            body, "location", errors_, required=True, max_length=300), errors_),
        "description": text_field(body, "description", errors_, max_length=MAX_TEXT) or "",
        "latitude": _coordinate(body, "latitude", 90, errors_),
        "longitude": _coordinate(body, "longitude", 180, errors_),
    }
    if "is_asb" not in body:
        errors_["is_asb"] = "is required"
    elif not isinstance(body["is_asb"], bool):
        errors_["is_asb"] = "must be true or false"
    values["is_asb"] = body.get("is_asb") is True
    if "is_hate" in body and not isinstance(body["is_hate"], bool):
        errors_["is_hate"] = "must be true or false"
    values["is_hate"] = body.get("is_hate") is True
    if (values["latitude"] is None) != (values["longitude"] is None) and \
            not {"latitude", "longitude"} & set(errors_):
        errors_["longitude" if values["longitude"] is None else "latitude"] = (
            "give both the latitude and the longitude, or neither")
    postcode = text_field(body, "postcode", errors_, max_length=10)
    try:
        values["postcode"] = normalise_postcode(postcode) if "postcode" not in errors_ else None
    except PersonError as error:
        errors_["postcode"] = error.message
    key = _no_control("source_reference", text_field(body, "source_reference", errors_,
                                                     max_length=80), errors_)
    if key and key.upper().startswith("SARA-"):
        # SARA numbers the incidents that come without a reference of their own so.
        errors_["source_reference"] = "must not start with SARA-"
    elif key and police_uk_number(key) is not None:
        errors_["source_reference"] = ("must not have the form of a data.police.uk reference "
                                       "(PUK-123)")
    elif key:
        values["source_key"] = key
    return values


def _incident_body(incident: Incident, people=None, cases=None) -> dict:
    body = {
        "id": incident.id,
        "reference": incident.reference,
        "source_reference": incident.source_key,
        "source": incident.source,
        "occurred_at": iso(incident.occurred_dt),
        "reported_at": iso(incident.reported_dt),
        "reported_to": incident.reported_to.name,
        "reported_in_time": incident.is_reported_in_time,
        "occurred_precision": incident.occurred_precision,
        "category": incident.category,
        "is_asb": incident.is_asb,
        "is_hate": incident.is_hate,
        "location": incident.location_text,
        "postcode": incident.postcode,
        "latitude": incident.latitude,
        "longitude": incident.longitude,
        "lsoa_code": incident.lsoa_code,
        "description": incident.description,
        "links": {"self": url_for("api.get_incident", incident_id=incident.id),
                  "page": url_for("incidents.show", incident_id=incident.id)},
    }
    if people is not None:
        body["people"] = [{"reference": link.person.reference, "name": link.person.name,
                           "role": link.role, "caller_type": link.caller_type}
                          for link in people]
    if cases is not None:
        body["cases"] = [case.reference for case in cases]
    return body


@bp.route("/incidents", methods=["POST"])
def create_incident():
    user = api_user()
    if not policy.can_record_incidents(user):
        raise forbidden("Only a police force's officers, supervisors and call handlers record "
                        "incidents")
    body = json_object()
    reject_unknown(body, FIELDS)
    errors_: dict = {}
    values = _incident_values(body, errors_)
    people = _people(body, user.organisation_id, errors_)
    if errors_:
        raise invalid(errors_)
    try:
        incident = service.record_incident(user.organisation, user, values, people,
                                           source="api")
        incident_id = incident.id
    except service.DuplicateIncident as error:
        raise ApiError(409, "Conflict", f"{error} (source_reference)") from None
    except service.IncidentError as error:
        name = {"occurred_dt": "occurred_at", "location_text": "location",
                "reported_dt": "reported_at", "reported_to_id": "reported_to"}.get(
            error.field, error.field or "")
        raise invalid({name: error.message}, error.message) from None
    except sa.exc.IntegrityError:
        # Another request recorded the same source_reference in between.
        unit_of_work.discard()
        raise ApiError(409, "Conflict",
                       f"{service.DuplicateIncident.MESSAGE} (source_reference)") from None
    incident = db.session.get(Incident, incident_id)
    response = jsonify(_incident_body(incident, people=incident.people, cases=[]))
    response.status_code = 201
    response.headers["Location"] = url_for("api.get_incident", incident_id=incident_id)
    return response


@bp.route("/incidents/<bigid:incident_id>")
def get_incident(incident_id: int):
    user = api_user()
    incident = policy.get_incident_or_404(user, incident_id)
    # The same consultations as the incident's page: the people shown, the cases listed.
    people = queries.incident_people_shown(user, incident)
    return jsonify(_incident_body(incident, people=people,
                                  cases=queries.visible_linked_cases(user, incident)))


# --- a case's incidents ------------------------------------------------------------------------

def _linked_body(case, user) -> dict:
    """The incidents linked to `case`, as its incidents page shows them to `user`: a caller's
    address only to those who may see the case's personal details (data.police.uk locations are
    published, so always)."""
    show_locations = policy.can_see_personal_details(user, case)
    items = []
    for link in queries.linked_incidents(case):
        body = _incident_body(link.incident)
        if not (show_locations or link.incident.source == "police_uk"):
            body.update(location="", postcode=None, latitude=None, longitude=None)
        if not policy.can_see_incident_people(user, link.incident):
            body["description"] = ""
            # Not their page to open: the incident itself is outside their scope.
            body["links"] = {}
        items.append(body)
    return {"case": case.reference, "items": items, "total": len(items)}


@bp.route("/cases/<reference>/incidents")
def case_incidents(reference: str):
    user = api_user()
    case = policy.get_case_or_404(user, reference)
    return jsonify(_linked_body(case, user))


#: At most this many incidents in one request, as the web page's selection.
MAX_LINKS = queries.SUGGESTION_LIMIT


@bp.route("/cases/<reference>/incidents", methods=["POST"])
def link_case_incidents(reference: str):
    """Link incidents, given by number or source reference, to a case. Any that the user may not
    link (another force's, or any at all for a partner) is as missing as one that does not exist:
    404, and nothing is linked."""
    user = api_user()
    case = policy.get_case_or_404(user, reference)
    if not policy.can_link_incidents(user, case):
        raise forbidden("Only the owning force's officers and supervisors link incidents, to an "
                        "open case" if case.is_open else "A closed case must be reopened first")
    body = json_object()
    reject_unknown(body, ("incidents",))
    wanted = body.get("incidents")
    if (not isinstance(wanted, list) or not wanted or len(wanted) > MAX_LINKS
            or not all(isinstance(w, str | int) and not isinstance(w, bool) for w in wanted)):
        raise invalid({"incidents": f"must be a list of 1 to {MAX_LINKS} incident numbers or "
                                    "source references"})
    incidents = []
    for item in dict.fromkeys(wanted):
        if isinstance(item, int):
            found = queries.linkable_by_ids(user, case, [item])
        elif _CONTROL.search(item) or "\x00" in item or len(item) > 80:
            found = []  # cannot be a reference (and PostgreSQL refuses NUL characters)
        else:
            found = queries.find_linkable(user, case, item)
        if len(found) != 1:
            raise ApiError(404, "Not Found", f"There is no incident {item} you may link to this "
                                             "case" if not found else
                           f"More than one incident has the reference {item}: use its number")
        incidents.append(found[0])
    service.link_incidents(case, user, incidents)
    return jsonify(_linked_body(case, user))


# --- importing a file ---------------------------------------------------------------------------

def _import_body(job) -> dict:
    summary = service.import_summary(job)
    return {
        "id": job.id,
        "filename": job.filename,
        "format": job.format,
        "state": job.state,
        "skip_invalid": job.skip_invalid,
        "created": iso(job.created_dt),
        "finished": iso(job.finished_dt),
        "rows_total": job.rows_total,
        "rows_done": job.rows_done,
        "imported": summary["imported"],
        "duplicates": summary["duplicates"],
        "reclassified": summary["reclassified"],
        "possible_duplicates": summary["possible_duplicates"],
        "possible_same_incidents": summary["possible_same_incidents"],
        "invalid": summary["invalid"],
        "percent": summary["percent"],
        "errors": job.errors or [],
        "errors_truncated": summary["errors_truncated"],
        "links": {"self": url_for("api.get_incident_import", import_id=job.id),
                  "page": url_for("incidents.import_status", import_id=job.id)},
    }


def _option(name: str, form, errors_: dict) -> str | None:
    """A setting from the query string, or from the multipart form beside the file."""
    value = request.args.get(name)
    if value is None and form is not None:
        value = form.get(name)
    if value is not None and ("\x00" in value or len(value) > 255):
        errors_[name] = "is not valid"
        return None
    return value


def _upload_parts():
    """(stream, filename, options form, name of the file's field) from a multipart form or a
    CSV body."""
    mimetype = request.mimetype
    if mimetype == "multipart/form-data":
        chosen = request.files.get("file")
        if chosen is None:
            raise invalid({"file": "Send the CSV file as the form's `file` part"})
        return chosen.stream, chosen.filename, request.form, "file"
    if mimetype in ("text/csv", "text/plain", "application/octet-stream"):
        return request.stream, None, None, "body"
    raise ApiError(415, "Unsupported Media Type",
                   "Send the file as text/csv, or as the `file` part of multipart/form-data")


@bp.route("/incidents/imports", methods=["POST"])
def create_incident_import():
    user = api_user()
    if not policy.can_import_incidents(user):
        raise forbidden("Only a police force's supervisors and admins import incident files")
    stream, filename, form, file_field = _upload_parts()
    errors_: dict = {}
    fmt = _option("format", form, errors_)
    if fmt is None and "format" not in errors_:
        errors_["format"] = "is required: " + " or ".join(service.IMPORT_FORMATS)
    elif fmt is not None and fmt not in service.IMPORT_FORMATS:
        errors_["format"] = "must be " + " or ".join(service.IMPORT_FORMATS)
    skip = (_option("skip_invalid", form, errors_) or "").strip().lower()
    if skip not in _TRUE + _FALSE:
        errors_["skip_invalid"] = "must be true or false"
    name = _option("filename", form, errors_) if filename is None else filename
    name = (name or "").strip() or (DEFAULT_FILENAME if file_field == "body" else "")
    if _CONTROL.search(name) or len(name) > 255:
        errors_["filename"] = "is not a file name that can be kept"
    if errors_:
        raise invalid(errors_)
    try:
        stored = service.store_upload(stream, name, fmt)
    except service.IncidentError as error:
        where = file_field if error.field == "file" else (error.field or file_field)
        raise invalid({where: error.message}, error.message) from None
    try:
        job = service.create_import(user.organisation, user, name, fmt, stored, skip in _TRUE)
    except Exception:
        service.discard_stored_file(stored)
        raise
    job_id = job.id
    response = jsonify(_import_body(job))
    response.status_code = 202
    response.headers["Location"] = url_for("api.get_incident_import", import_id=job_id)
    return response


@bp.route("/incidents/imports/<int:import_id>")
def get_incident_import(import_id: int):
    return jsonify(_import_body(policy.get_import_or_404(api_user(), import_id)))


# --- OpenAPI ------------------------------------------------------------------------------------

_NULLABLE_STRING = {"type": ["string", "null"]}

SCHEMAS = {
    "IncidentNew": {
        "type": "object",
        "additionalProperties": False,
        "example": {"occurred_at": "2026-03-14T21:30:00+00:00", "category": "Rowdy behaviour",
                    "is_asb": True, "location": "Ermine parade shops", "postcode": "LN2 2AB",
                    "latitude": 53.2501, "longitude": -0.5302,
                    "description": "Youths shouting", "source_reference": "CAD-20260314-0042"},
        "required": ["occurred_at", "category", "is_asb", "location"],
        "properties": {
            "occurred_at": {"type": "string", "format": "date-time",
                            "description": "When it happened; without an offset, UK time"},
            "reported_at": {"type": "string", "format": "date-time",
                            "description": "When the complaint was made (by default when it "
                                           "happened): the ASB case review counts complaints "
                                           "made within one month of the behaviour"},
            "reported_to": {"type": "string", "maxLength": 200,
                            "description": "The name of the organisation the complaint was "
                                           "made to (by default your force)"},
            "category": {"type": "string", "minLength": 1, "maxLength": 80,
                         "example": "Rowdy behaviour"},
            "is_asb": {"type": "boolean", "description": "Anti-social behaviour?"},
            "is_hate": {"type": "boolean", "default": False,
                        "description": "A hate incident or crime: the victim or anyone else "
                                       "thinks it was motivated by hostility or prejudice. "
                                       "Where the area has turned the variant on, one such "
                                       "complaint meets the ASB case review threshold"},
            "location": {"type": "string", "minLength": 1, "maxLength": 300},
            "postcode": {"type": ["string", "null"], "maxLength": 10, "example": "LN2 2AB"},
            "latitude": {"type": ["number", "null"], "minimum": -90, "maximum": 90},
            "longitude": {"type": ["number", "null"], "minimum": -180, "maximum": 180},
            "description": {"type": "string", "maxLength": MAX_TEXT},
            "source_reference": {"type": "string", "maxLength": 80,
                                 "description": "Your system's reference for it; sending the "
                                                "same one again answers 409"},
            "people": {
                "type": "array", "maxItems": MAX_PEOPLE,
                "description": "People already known to the force, and their part in it. Their "
                               "repeat-victim and case-review checks run once it is recorded.",
                "items": {
                    "type": "object", "additionalProperties": False,
                    "required": ["reference", "role"],
                    "properties": {
                        "reference": {"type": "string", "example": "PN-000123"},
                        "role": {"type": "string", "enum": list(PERSON_ROLES)},
                        "caller_type": {
                            "type": "string", "enum": list(CALLER_TYPES), "default": "public",
                            "description": "Who they are: a member of the public, or a "
                                           "professional (a warden, a CCTV operator, a housing "
                                           "officer) reporting for others, who is never counted "
                                           "as a victim"},
                    },
                },
            },
        },
    },
    "Incident": {
        "type": "object",
        "required": ["id", "reference", "source", "occurred_at", "category", "is_asb",
                     "location", "links"],
        "properties": {
            "id": {"type": "integer", "description": "The incident's number"},
            "reference": {"type": "string", "description":
                          "The reference users see: its CAD or SARA number, or for "
                          "data.police.uk rows PUK- and its id"},
            "source_reference": {"type": "string", "description":
                                 "Its key in its source: the CAD number, the data.police.uk "
                                 "Crime ID, or for police.uk rows without one a hash of the "
                                 "row"},
            "source": {"type": "string"},
            "occurred_at": {"type": "string"},
            "occurred_precision": {"type": "string", "enum": ["exact", "month"]},
            "reported_at": {"type": "string", "description": "When the complaint was made"},
            "reported_to": {"type": "string",
                            "description": "The organisation the complaint was made to"},
            "reported_in_time": {"type": "boolean", "description":
                                 "Made within one month of the behaviour: it counts towards "
                                 "the ASB case review"},
            "category": {"type": "string"},
            "is_asb": {"type": "boolean"},
            "is_hate": {"type": "boolean", "description": "A hate incident or crime"},
            "location": {"type": "string"},
            "postcode": _NULLABLE_STRING,
            "latitude": {"type": ["number", "null"]},
            "longitude": {"type": ["number", "null"]},
            "lsoa_code": _NULLABLE_STRING,
            "description": {"type": "string"},
            "people": {
                "type": "array",
                "description": "Only for those who may see the people involved.",
                "items": {"type": "object", "required": ["reference", "role"],
                          "properties": {"reference": {"type": "string"},
                                         "name": {"type": "string"},
                                         "role": {"type": "string"},
                                         "caller_type": {"type": "string",
                                                         "enum": list(CALLER_TYPES)}}},
            },
            "cases": {"type": "array", "items": {"type": "string"},
                      "description": "The visible cases it is linked to"},
            "links": {"type": "object"},
        },
    },
    "IncidentImport": {
        "type": "object",
        "required": ["id", "filename", "format", "state", "rows_total", "rows_done", "imported",
                     "duplicates", "invalid", "errors", "links"],
        "properties": {
            "id": {"type": "integer"},
            "filename": {"type": "string"},
            "format": {"type": "string", "enum": list(service.IMPORT_FORMATS)},
            "state": {"type": "string", "enum": ["queued", "running", "done", "failed"]},
            "skip_invalid": {"type": "boolean"},
            "created": _NULLABLE_STRING,
            "finished": _NULLABLE_STRING,
            "rows_total": {"type": "integer"},
            "rows_done": {"type": "integer"},
            "imported": {"type": "integer"},
            "duplicates": {"type": "integer"},
            "reclassified": {"type": "integer", "description": "data.police.uk crimes already "
                             "there whose crime type a later month's file changed"},
            "invalid": {"type": "integer"},
            "possible_duplicates": {"type": "integer", "description": "callers stored as a new "
                                    "profile who may be someone already held: pairs for a "
                                    "supervisor to decide under /people/duplicates"},
            "possible_same_incidents": {
                "type": "integer", "description": "pairs of incidents that may be one episode "
                "reported twice (by one caller, or about one place, within the force's "
                "same-incident window): for a supervisor to confirm under "
                "/incidents/same-incident; until then both count"},
            "percent": {"type": "integer"},
            "errors": {"type": "array", "items": {
                "type": "object",
                "properties": {"line": {"type": "integer"}, "column": {"type": "string"},
                               "reason": {"type": "string"}},
            }},
            "errors_truncated": {"type": "boolean",
                                 "description": f"Only the first {importer.MAX_ERRORS_KEPT} "
                                                "problems are kept"},
            "links": {"type": "object"},
        },
    },
}

_TAGS = ["incidents"]
_LINKED = {
    "type": "object", "required": ["case", "items", "total"],
    "properties": {"case": {"type": "string"}, "total": {"type": "integer"},
                   "items": {"type": "array", "items": schema_ref("Incident")}},
}
_CAD_EXAMPLE = (",".join(importer.CAD_COLUMNS) + "\r\n"
                "CAD-101,2026-03-01 21:30,Rowdy behaviour,yes,Ermine parade,LN2 2AB,53.25,-0.53,"
                "Ann Smith,07700 900123,\"12 Ermine Road, Lincoln\",1950-04-02,Youths shouting\r\n")
_IMPORT_OPTIONS = [
    {"name": "format", "in": "query", "required": False,
     "description": "What kind of file it is (required here or as a form field): "
                    + "; ".join(f"`{k}`: {v}" for k, v in service.IMPORT_FORMATS.items()),
     "schema": {"type": "string", "enum": list(service.IMPORT_FORMATS)}, "example": "cad"},
    {"name": "skip_invalid", "in": "query", "required": False,
     "description": "Import the good rows even if some rows have problems; otherwise a file "
                    "with any bad row imports nothing. Either way every bad row is reported.",
     "schema": {"type": "boolean", "default": False}},
    {"name": "filename", "in": "query", "required": False,
     "description": f"The file's name, when it is sent as the body (default {DEFAULT_FILENAME})",
     "schema": {"type": "string", "maxLength": 255, "pattern": r"\.csv$"}},
]
_INCIDENT_ID = {"name": "incident_id", "in": "path", "required": True,
                "schema": {"type": "integer", "minimum": 1}}
_IMPORT_ID = {"name": "import_id", "in": "path", "required": True,
              "schema": {"type": "integer", "minimum": 1}}

PATHS = {
    "/cases/{reference}/incidents": {
        "get": {
            "operationId": "listCaseIncidents", "tags": _TAGS,
            "parameters": [param("Reference")],
            "summary": "The incidents linked to a case",
            "description": "As the case's incidents page shows them: a caller's address only to "
                           "those who may see the case's personal details.",
            "responses": {"200": json_response("The linked incidents", _LINKED),
                          **errors(401, 404)},
        },
        "post": {
            "operationId": "linkCaseIncidents", "tags": _TAGS,
            "parameters": [param("Reference")],
            "summary": "Link incidents to a case",
            "description": "For the owning force's officers and supervisors, on an open case. "
                           "Give each incident by its number or its source reference. Only "
                           "incidents you may see can be linked: any other is a 404, as a "
                           "missing one is, and then nothing is linked. Linking one already "
                           "linked does nothing.",
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "additionalProperties": False, "required": ["incidents"],
                "properties": {"incidents": {
                    "type": "array", "minItems": 1, "maxItems": MAX_LINKS,
                    "items": {"oneOf": [{"type": "integer", "minimum": 1},
                                        {"type": "string", "minLength": 1, "maxLength": 80}]}}},
                "example": {"incidents": ["CAD-20260314-0042", 1234]},
            }}}},
            "responses": {"200": json_response("The incidents now linked", _LINKED),
                          **errors(400, 401, 403, 404, 415, 422)},
        },
    },
    "/incidents": {
        "post": {
            "operationId": "createIncident", "tags": _TAGS,
            "summary": "Record an incident",
            "description": "For the officers, supervisors and call handlers of a police force, "
                           "as the web form. Audited.",
            "requestBody": {"required": True,
                            "content": {"application/json": {"schema":
                                                             schema_ref("IncidentNew")}}},
            "responses": {
                "201": json_response("Recorded", schema_ref("Incident"), location=True),
                **errors(400, 401, 403, 409, 415, 422),
            },
        },
    },
    "/incidents/{incident_id}": {
        "get": {
            "operationId": "getIncident", "tags": _TAGS, "parameters": [_INCIDENT_ID],
            "summary": "Read an incident of your force",
            "description": "The people involved are shown to those who may look people up, and "
                           "each view of them is audited.",
            "responses": {"200": json_response("The incident", schema_ref("Incident")),
                          **errors(401, 404)},
        },
    },
    "/incidents/imports": {
        "post": {
            "operationId": "importIncidents", "tags": _TAGS, "parameters": _IMPORT_OPTIONS,
            "summary": "Upload a CSV file of incidents to import",
            "description": "For a police force's supervisors and admins. The file is checked "
                           "(a CSV file, UTF-8, with the format's columns) and imported by the "
                           "background worker; follow the Location to see its progress, counts "
                           "and the line, column and reason of each bad row. Importing the same "
                           "file again adds nothing.",
            "requestBody": {"required": True, "content": {
                "text/csv": {"schema": {"type": "string"}, "example": _CAD_EXAMPLE},
                "multipart/form-data": {"schema": {
                    "type": "object", "required": ["file"],
                    "properties": {
                        "file": {"type": "string", "format": "binary"},
                        "format": {"type": "string", "enum": list(service.IMPORT_FORMATS)},
                        "skip_invalid": {"type": "boolean"},
                    },
                }},
            }},
            "responses": {
                "202": json_response("Stored and queued for import", schema_ref("IncidentImport"),
                                     location=True),
                **errors(401, 403, 415, 422),
                "413": problem_response("The file is larger than the server accepts"),
            },
        },
    },
    "/incidents/imports/{import_id}": {
        "get": {
            "operationId": "getIncidentImport", "tags": _TAGS, "parameters": [_IMPORT_ID],
            "summary": "An import's progress, counts and errors",
            "description": "For the importers of the force it was uploaded for.",
            "responses": {"200": json_response("The import", schema_ref("IncidentImport")),
                          **errors(401, 404)},
        },
    },
}

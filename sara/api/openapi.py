"""The OpenAPI 3.1 document of /api/v1, assembled from the resource modules that serve it.

Each module named in RESOURCE_MODULES may define, at module level:

- `PATHS`: {"/cases/{reference}": {"get": <operation>, "patch": <operation>}, ...}, paths relative
  to the server URL "/api/v1" (so "/cases", not "/api/v1/cases"). Two modules may describe
  different methods of the same path; they are merged.
- `SCHEMAS`: {"Case": <JSON Schema>, ...}, added to components.schemas; refer to them as
  {"$ref": "#/components/schemas/Case"}.

Every operation needs an operationId, one tag, a summary and every response it can give, because
the schemathesis test checks each real response against the document.

The document is built once per process: it describes code, which does not change while running.
"""

from __future__ import annotations

import copy
import importlib
from functools import cache

from flask import jsonify

from sara.api.common import PROBLEM_REF, STANDARD_ERRORS, problem_response
from sara.api.views import LOOKUP_FIELDS, bp
from sara.asb_reviews.models import REVIEW_STATUSES

#: The modules whose PATHS and SCHEMAS make up the document, in the order their tags are listed.
#: A module that is not there yet is skipped, so helpers can land their parts in any order.
RESOURCE_MODULES = [
    "sara.api.openapi",
    "sara.api.cases",
    "sara.api.actions",
    "sara.api.evaluation",
    "sara.api.incidents",
    "sara.api.complaints",
    "sara.api.flags",
    "sara.api.asb_reviews",
]

#: The tags, with their descriptions, in the order the documentation page shows them.
TAGS = [
    {"name": "cases", "description": "Problem cases: the list, creating, reading, editing and "
                                     "moving a case through the SARA stages."},
    {"name": "actions", "description": "Actions allocated on a case, and the lists of actions "
                                       "across cases."},
    {"name": "evaluation", "description": "A case's evaluation: read, update, submit, approve "
                                          "and return."},
    {"name": "incidents", "description": "Recording incidents, one at a time or as a CSV file."},
    {"name": "complaints", "description": "Complaints made to a partner body, recorded by its "
                                          "staff for the ASB case review."},
    {"name": "flags", "description": "Findings of the background checks, with their evidence."},
    {"name": "asb-reviews", "description": "ASB case reviews (the community trigger): the "
                                           "application, the threshold decision, the meeting, "
                                           "the recommendations, the letters and escalation."},
    {"name": "people", "description": "The call handler's lookup of people by name, phone, "
                                      "address or postcode."},
    {"name": "meta", "description": "This document."},
]

INFO = {
    "title": "SARA casebook API",
    "version": "1.0.0",
    "summary": "Problem-solving cases, actions, evaluations, incidents, flags, ASB case "
               "reviews and the people lookup, for police and partner systems.",
    "description": (
        "Every call sends a personal access token: `Authorization: Bearer <token>`. Create one on "
        "your account's API tokens page, or with `flask --app wsgi sara create-token EMAIL`.\n\n"
        "Access is exactly that of the web pages: a record you may not see answers 404, and what "
        "your role may not do answers 403. Records are addressed by reference (`PS-2026-00042`, "
        "`AC-000123`), never by database id.\n\n"
        "Errors are `application/problem+json` (RFC 9457). A validation error (422) lists each "
        "bad field in `invalid_params` as `{name, reason}`.\n\n"
        "Updates are guarded by ETags: send the `ETag` of your last read as `If-Match`. Without "
        "it the answer is 428; if the record changed since, 412 and nothing is saved."
    ),
}

# --- shared components -----------------------------------------------------------------------

PROBLEM_SCHEMA = {
    "type": "object",
    "description": "An RFC 9457 problem.",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string"},
        "invalid_params": {
            "type": "array",
            "description": "One entry per field that is not valid.",
            "items": {
                "type": "object",
                "required": ["name", "reason"],
                "properties": {"name": {"type": "string"}, "reason": {"type": "string"}},
            },
        },
    },
}

PAGE_LINKS_SCHEMA = {
    "type": "object",
    "required": ["self"],
    "properties": {
        "self": {"type": "string"},
        "next": {"type": "string"},
        "prev": {"type": "string"},
    },
}

PARAMETERS = {
    "Reference": {
        "name": "reference", "in": "path", "required": True,
        "description": "The case reference, for example PS-2026-00042.",
        "schema": {"type": "string", "maxLength": 40}, "example": "PS-2026-00042",
    },
    "ActionRef": {
        "name": "action_ref", "in": "path", "required": True,
        "description": "The action reference, for example AC-000123.",
        "schema": {"type": "string", "maxLength": 40}, "example": "AC-000123",
    },
    "IfMatch": {
        "name": "If-Match", "in": "header", "required": False,
        "description": "The ETag of your last read. Without it the answer is 428; when the "
                       "record has changed since, 412.",
        "schema": {"type": "string"},
    },
    "Page": {
        "name": "page", "in": "query", "required": False,
        "description": "Which page, from 1.",
        "schema": {"type": "integer", "minimum": 1, "maximum": 100000, "default": 1},
    },
    "PerPage": {
        "name": "per_page", "in": "query", "required": False,
        "description": "Items per page.",
        "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 25},
    },
}

HEADERS = {
    "ETag": {"description": "The record's current version; send it back as If-Match.",
             "schema": {"type": "string"}},
    "Location": {"description": "Where the new record is.", "schema": {"type": "string"}},
}

SECURITY_SCHEMES = {
    "bearerToken": {
        "type": "http", "scheme": "bearer",
        "description": "A personal access token (it starts with `sara_`).",
    },
}


def param(name: str) -> dict:
    """A reference to one of the common parameters above."""
    return {"$ref": f"#/components/parameters/{name}"}


def schema_ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def json_response(description: str, schema: dict, *, etag: bool = False,
                  location: bool = False) -> dict:
    """A JSON success response, optionally carrying ETag and Location headers."""
    response = {"description": description, "content": {"application/json": {"schema": schema}}}
    headers = {}
    if etag:
        headers["ETag"] = {"$ref": "#/components/headers/ETag"}
    if location:
        headers["Location"] = {"$ref": "#/components/headers/Location"}
    if headers:
        response["headers"] = headers
    return response


def json_body(schema: dict, description: str | None = None) -> dict:
    body = {"required": True, "content": {"application/json": {"schema": schema}}}
    if description:
        body["description"] = description
    return body


def errors(*codes: int) -> dict:
    """The problem responses an operation can give, by status code."""
    described = {
        400: "The body is not valid JSON",
        401: "No valid token",
        403: "Your role may not do this",
        404: "No such record, or not visible to you",
        409: "The change conflicts with the record's state",
        412: "The record changed since your If-Match; nothing was saved",
        415: "The body is not application/json",
        422: "Some fields or parameters are not valid (see invalid_params)",
        428: "Send If-Match with the ETag you last read",
    }
    out = {}
    for code in codes:
        key = str(code)
        out[key] = STANDARD_ERRORS.get(key) or problem_response(described[code])
    return out


def page_schema(item_schema: dict) -> dict:
    """A page of items as common.page_body() serves it."""
    return {
        "type": "object",
        "required": ["items", "page", "per_page", "total", "links"],
        "properties": {
            "items": {"type": "array", "items": item_schema},
            "page": {"type": "integer", "minimum": 1},
            "per_page": {"type": "integer", "minimum": 1},
            "total": {"type": "integer", "minimum": 0},
            "links": PAGE_LINKS_SCHEMA,
        },
    }


# --- this module's own operations: the document itself and the existing /lookup ----------------

_COUNTED = {
    "type": "array", "description": "The incidents counted, oldest first, one per episode (a "
    "second report of the same incident counts once)",
    "items": {"type": "object", "required": ["reference", "source", "occurred", "category"],
              "properties": {"reference": {"type": "string"}, "source": {"type": "string"},
                             "occurred": {"type": "string", "format": "date-time"},
                             "category": {"type": "string"}}}}
_EVIDENCE = {"type": ["object", "null"],
             "description": "Why the flag holds: the incidents counted, the window and the "
                            "threshold applied. Null when not flagged.",
             "required": ["count", "incidents", "threshold", "window_days"],
             "properties": {"count": {"type": "integer"}, "incidents": _COUNTED,
                            "threshold": {"type": "integer"},
                            "window_days": {"type": "integer"}}}

SCHEMAS = {
    "LookupHit": {
        "type": "object",
        "required": ["reference", "name", "date_of_birth", "phone", "address", "postcode",
                     "vulnerabilities", "repeat_victim", "repeat_victim_evidence",
                     "repeat_victim_crime", "repeat_victim_crime_evidence",
                     "case_review", "case_review_evidence"],
        "properties": {
            "reference": {"type": "string"},
            "name": {"type": "string"},
            "date_of_birth": {"type": ["string", "null"], "format": "date"},
            "phone": {"type": ["string", "null"]},
            "address": {"type": ["string", "null"]},
            "postcode": {"type": ["string", "null"]},
            "vulnerabilities": {"type": "array", "items": {"type": "string"}},
            "repeat_victim": {"type": "boolean"},
            "repeat_victim_evidence": _EVIDENCE,
            "repeat_victim_crime": {"type": "boolean",
                                    "description": "A repeat victim of crime (its own rule)"},
            "repeat_victim_crime_evidence": _EVIDENCE,
            "case_review": {"type": "boolean"},
            "case_review_evidence": {
                "type": "array", "description": "One per case-review threshold reached on a "
                "case the person complained about",
                "items": {"type": "object",
                          "required": ["case_id", "incidents", "threshold", "window_days"],
                          "properties": {"case_id": {"type": "integer"},
                                         "complaints": {"type": "integer"},
                                         "people": {"type": "integer"},
                                         "incidents": _COUNTED,
                                         "threshold": {"type": "integer"},
                                         "window_days": {"type": "integer"}}}},
            "case_review_applications": {
                "type": "array",
                "description": "The person's applications for an ASB case review that the caller "
                               "may see, newest first",
                "items": {"type": "object",
                          "required": ["reference", "received", "status", "status_label"],
                          "properties": {"reference": {"type": "string"},
                                         "received": {"type": "string", "format": "date"},
                                         "status": {"type": "string",
                                                    "enum": list(REVIEW_STATUSES)},
                                         "status_label": {"type": "string"}}}},
            "open_cases": {
                "type": "array",
                "description": "The open cases the person is on that the caller may see, with "
                               "the officer in charge",
                "items": {"type": "object", "required": ["reference", "title", "officer"],
                          "properties": {"reference": {"type": "string"},
                                         "title": {"type": "string"},
                                         "officer": {"type": "string"}}}},
        },
    },
}

PATHS = {
    "/openapi.json": {
        "get": {
            "operationId": "getOpenApiDocument",
            "tags": ["meta"],
            "summary": "This OpenAPI document",
            "description": "Needs no token.",
            "security": [],
            "responses": {
                "200": {"description": "The OpenAPI 3.1 document",
                        "content": {"application/json": {"schema": {"type": "object"}}}},
            },
        },
    },
    "/lookup": {
        "get": {
            "operationId": "lookupPeople",
            "tags": ["people"],
            "summary": "Look a caller up by name, phone, address or postcode",
            "description": "For call handlers, officers and supervisors of a police force. Every "
                           "detail given must match (name and address by prefix). Each lookup is "
                           "audited.",
            "parameters": [
                {"name": name, "in": "query", "required": False,
                 "schema": {"type": "string", "maxLength": 300}}
                for name in LOOKUP_FIELDS
            ],
            "responses": {
                "200": json_response("The people matching every detail given", {
                    "type": "object",
                    "required": ["count", "results"],
                    "properties": {
                        "count": {"type": "integer", "minimum": 0},
                        "results": {"type": "array", "items": schema_ref("LookupHit")},
                    },
                }),
                **errors(401, 403, 422),
            },
        },
    },
}


# --- assembly ----------------------------------------------------------------------------------

def _resource_modules():
    for name in RESOURCE_MODULES:
        try:
            yield importlib.import_module(name)
        except ModuleNotFoundError as error:
            if error.name != name:
                raise  # the module exists but something it imports does not: a real bug
            continue


def build_document() -> dict:
    paths: dict = {}
    schemas = {"Problem": PROBLEM_SCHEMA}
    for module in _resource_modules():
        for path, operations in getattr(module, "PATHS", {}).items():
            paths.setdefault(path, {}).update(copy.deepcopy(operations))
        schemas.update(copy.deepcopy(getattr(module, "SCHEMAS", {})))
    used_tags = {tag for operations in paths.values() for op in operations.values()
                 if isinstance(op, dict) for tag in op.get("tags", ())}
    return {
        "openapi": "3.1.0",
        "info": INFO,
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearerToken": []}],
        "tags": [tag for tag in TAGS if tag["name"] in used_tags],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "parameters": PARAMETERS,
            "headers": HEADERS,
            "securitySchemes": SECURITY_SCHEMES,
        },
    }


@cache
def document() -> dict:
    """The document, built once per process. Treat it as read-only."""
    return build_document()


HTTP_METHODS = ("get", "put", "post", "patch", "delete")


def operations(doc: dict | None = None):
    """(tag, method, path, operation) for every operation, in tag order then path order."""
    doc = doc or document()
    order = {tag["name"]: i for i, tag in enumerate(doc["tags"])}
    found = [
        (op.get("tags", ["other"])[0], method, path, op)
        for path, item in doc["paths"].items()
        for method, op in item.items() if method in HTTP_METHODS
    ]
    return sorted(found, key=lambda row: (order.get(row[0], len(order)), row[2],
                                          HTTP_METHODS.index(row[1])))


def resolve(doc: dict, node):
    """Follow a local $ref (one level at a time) to what it names."""
    while isinstance(node, dict) and "$ref" in node:
        target = doc
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


@bp.route("/openapi.json")
def openapi_json():
    # Served without a token (sara.api.views.authenticate lets this endpoint through): a client
    # needs the description before it has a token, and it holds no data.
    return jsonify(document())


__all__ = ["PROBLEM_REF", "RESOURCE_MODULES", "build_document", "document", "errors",
           "json_body", "json_response", "operations", "page_schema", "param", "schema_ref"]

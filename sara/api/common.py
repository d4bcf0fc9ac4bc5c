"""What every /api/v1 resource shares: problem responses (RFC 9457), JSON bodies, field-level
validation errors, ETag / If-Match concurrency and pagination.

Resource modules (sara/api/cases.py, actions.py, ...) register their routes on `bp` from
sara.api.views and describe themselves for the OpenAPI document in module-level `PATHS` and
`SCHEMAS` dicts (see sara/api/openapi.py). Views stay thin: parse, call the domain service,
serialise. Access goes through sara.policy exactly as the web pages do.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from flask import g, jsonify, request, url_for
from werkzeug.exceptions import HTTPException

PROBLEM_TYPE = "about:blank"
MAX_PER_PAGE = 100


def problem(status: int, title: str, detail: str | None = None, **extra):
    body = {"type": PROBLEM_TYPE, "title": title, "status": status}
    if detail:
        body["detail"] = detail
    body.update(extra)
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    return response


@dataclass
class ApiError(Exception):
    """Raise from a view; the blueprint's handler turns it into a problem response.

    `invalid_params` is a list of {"name": <field>, "reason": <message>}: field-level details of a
    validation error (RFC 9457's own example extension).
    """

    status: int
    title: str
    detail: str | None = None
    invalid_params: list[dict] = field(default_factory=list)
    headers: dict = field(default_factory=dict)

    def response(self):
        extra = {"invalid_params": self.invalid_params} if self.invalid_params else {}
        response = problem(self.status, self.title, self.detail, **extra)
        response.headers.update(self.headers)
        return response


def invalid(errors: dict[str, str] | list[dict], detail: str = "Some fields are not valid"):
    """A 422 with one entry per bad field."""
    if isinstance(errors, dict):
        errors = [{"name": name, "reason": reason} for name, reason in errors.items()]
    return ApiError(422, "Unprocessable Content", detail, invalid_params=errors)


def forbidden(detail: str) -> ApiError:
    return ApiError(403, "Forbidden", detail)


def not_found(detail: str = "There is no such record, or you may not see it.") -> ApiError:
    return ApiError(404, "Not Found", detail)


def api_user():
    """The user the bearer token belongs to (also `current_user` for the request)."""
    return g.api_user


# ---------------------------------------------------------------------------------------------
# JSON bodies


#: No resource nests deeper than this (a list of objects inside an object is 3).
MAX_JSON_DEPTH = 16


def _nested_deeper_than(value, limit: int) -> bool:
    """Whether a parsed JSON value nests containers more than `limit` deep (without recursion,
    so that no depth can exhaust the stack)."""
    pending = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, dict | list):
            if depth > limit:
                return True
            pending.extend((child, depth + 1)
                           for child in (item.values() if isinstance(item, dict) else item))
    return False


def json_object() -> dict:
    """The request body as a JSON object, or a 4xx problem."""
    if not request.is_json:
        raise ApiError(415, "Unsupported Media Type", "Send the body as application/json")
    try:
        body = request.get_json(silent=False)
    except HTTPException:
        raise ApiError(400, "Bad Request", "The body is not valid JSON") from None
    except RecursionError:
        # Python's parser gives up on a body nested thousands deep.
        raise ApiError(400, "Bad Request", "The body is nested too deeply") from None
    if _nested_deeper_than(body, MAX_JSON_DEPTH):
        raise ApiError(400, "Bad Request", "The body is nested too deeply: no resource has "
                                           f"more than {MAX_JSON_DEPTH} levels")
    if not isinstance(body, dict):
        raise invalid([{"name": "", "reason": "the body must be a JSON object"}])
    return body


def reject_unknown(body: dict, allowed) -> None:
    unknown = sorted(set(body) - set(allowed))
    if unknown:
        raise invalid({name: "is not a field of this resource" for name in unknown})


def text_field(body: dict, name: str, errors: dict, *, required: bool = False,
               max_length: int | None = None, nullable: bool = True):
    """A string member: checked for type, NUL and length; stripped. Missing stays missing."""
    if name not in body:
        if required:
            errors[name] = "is required"
        return None
    value = body[name]
    if value is None:
        if required or not nullable:
            errors[name] = "must not be null"
        return None
    if not isinstance(value, str):
        errors[name] = "must be a string"
        return None
    if "\x00" in value:
        errors[name] = "must not contain NUL characters"
        return None
    value = value.strip()
    if required and not value:
        errors[name] = "must not be empty"
    elif max_length is not None and len(value) > max_length:
        errors[name] = f"must be {max_length} characters or fewer"
    return value


def date_field(body: dict, name: str, errors: dict, *, required: bool = False):
    if name not in body or body[name] is None:
        if required:
            errors[name] = "is required"
        return None
    value = body[name]
    try:
        if not isinstance(value, str):
            raise ValueError
        return date.fromisoformat(value)
    except ValueError:
        errors[name] = "must be a date as YYYY-MM-DD"
        return None


def iso(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    return value.isoformat()


# ---------------------------------------------------------------------------------------------
# Concurrency: the ETag is the record's reference and version, so a stale If-Match is a conflict.


def etag_of(reference: str, version: int) -> str:
    return f'"{reference}.v{version}"'


def with_etag(response, reference: str, version: int):
    response.set_etag(etag_of(reference, version).strip('"'))
    return response


def expected_version(reference: str, current_version: int) -> int:
    """The version the client last saw, from If-Match; 428 without one, 412 if it is stale.

    Answering 412 here, before the service runs, means a conflict never half-applies.
    """
    header = request.headers.get("If-Match")
    if not header:
        raise ApiError(428, "Precondition Required",
                       "Send If-Match with the ETag you last read, so edits are not lost")
    if header.strip() == "*":
        return current_version
    tags = {tag.strip().removeprefix("W/") for tag in header.split(",")}
    if etag_of(reference, current_version) not in tags:
        raise ApiError(412, "Precondition Failed",
                       "The record has changed since you read it; GET it again and retry",
                       headers={"ETag": etag_of(reference, current_version)})
    return current_version


# ---------------------------------------------------------------------------------------------
# Pagination


@dataclass
class PageArgs:
    page: int
    per_page: int


def page_args(default_per_page: int = 25) -> PageArgs:
    errors = {}
    values = {}
    for name, default, upper in (("page", 1, 100_000), ("per_page", default_per_page,
                                                          MAX_PER_PAGE)):
        raw = request.args.get(name)
        if raw is None or raw == "":
            values[name] = default
            continue
        try:
            number = int(raw)
        except ValueError:
            errors[name] = "must be a whole number"
            continue
        if not 1 <= number <= upper:
            errors[name] = f"must be between 1 and {upper}"
        values[name] = number
    if errors:
        raise invalid(errors, "The paging parameters are not valid")
    return PageArgs(values["page"], values["per_page"])


def page_body(items: list, total: int, args: PageArgs, endpoint: str, **params) -> dict:
    """A page of results with links that keep the caller's filters."""
    pages = max(1, -(-total // args.per_page))
    links = {"self": url_for(endpoint, **params, page=args.page, per_page=args.per_page)}
    if args.page < pages:
        links["next"] = url_for(endpoint, **params, page=args.page + 1, per_page=args.per_page)
    if args.page > 1:
        links["prev"] = url_for(endpoint, **params, page=min(args.page - 1, pages),
                                per_page=args.per_page)
    return {"items": items, "page": args.page, "per_page": args.per_page, "total": total,
            "links": links}


# Reusable OpenAPI fragments for the resource modules.
PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}


def problem_response(description: str) -> dict:
    return {"description": description,
            "content": {"application/problem+json": {"schema": PROBLEM_REF}}}


STANDARD_ERRORS = {
    "401": problem_response("No valid token"),
    "403": problem_response("Your role may not do this"),
    "404": problem_response("No such record, or not visible to you"),
}

"""The JSON API under /api/v1: personal access tokens, the same policy and audit as the pages,
and errors as application/problem+json (RFC 9457)."""

from __future__ import annotations

from flask import Blueprint, g, jsonify, request
from werkzeug.exceptions import HTTPException

from sara import policy
from sara.api import tokens
from sara.api.common import ApiError, problem
from sara.extensions import csrf
from sara.people.lookup import lookup

bp = Blueprint("api", __name__, url_prefix="/api/v1")
# Tokens, not cookies, authenticate the API: a browser cannot be tricked into sending a bearer
# token, so the cookie-bound CSRF check does not apply here.
csrf.exempt(bp)


__all__ = ["bp", "problem"]


@bp.before_request
def authenticate():
    if request.endpoint == "api.openapi_json":
        return None  # the API's description is public; it holds no data
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    user = tokens.user_for_token(token.strip()) if scheme.lower() == "bearer" else None
    if user is None:
        response = problem(401, "Unauthorised",
                           "Send a valid personal access token: Authorization: Bearer <token>")
        response.headers["WWW-Authenticate"] = 'Bearer realm="SARA casebook"'
        return response
    g.api_user = user
    # The token's user is the request's current_user, without a session cookie, so policy
    # checks and the audit hooks treat an API call exactly like a page view.
    g._login_user = user
    return None


@bp.errorhandler(HTTPException)
def http_problem(error: HTTPException):
    return problem(error.code or 500, error.name, error.description)


@bp.errorhandler(ApiError)
def api_problem(error: ApiError):
    # An error answer: the unit of work rolls the request's changes back.
    return error.response()


LOOKUP_FIELDS = ("name", "phone", "address", "postcode")


@bp.route("/lookup")
def lookup_people():
    user = g.api_user
    if not policy.can_lookup_people(user):
        return problem(403, "Forbidden", "Your role cannot look people up")
    criteria = {k: (request.args.get(k) or "").strip() for k in LOOKUP_FIELDS}
    errors = [{"name": k, "reason": "must be 300 characters or fewer"}
              for k, v in criteria.items() if len(v) > 300]
    errors += [{"name": k, "reason": "must not contain NUL"}
               for k, v in criteria.items() if "\x00" in v]
    if errors:
        return problem(422, "Invalid query", "Some parameters are not valid",
                       invalid_params=errors)
    if not any(criteria.values()):
        return problem(422, "Invalid query", "Give at least one of name, phone, address or "
                       "postcode", invalid_params=[{"name": k, "reason": "missing"}
                                                   for k in LOOKUP_FIELDS])
    hits = lookup(user.organisation_id, **criteria, viewer=user)
    return jsonify({"count": len(hits), "results": [hit.as_json() for hit in hits]})

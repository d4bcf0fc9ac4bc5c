"""The OpenAPI document: valid OpenAPI 3.1, complete, true to the responses, and its page."""

from __future__ import annotations

import datetime as dt
import re

import jsonschema_rs
import pytest
import schemathesis

from sara.actions import service as action_service
from sara.api.openapi import HTTP_METHODS, document
from sara.extensions import db

FLASK_PARAM = re.compile(r"<(?:[a-z]+:)?(\w+)>")


@pytest.fixture
def doc(client):
    response = client.get("/api/v1/openapi.json")  # no token: the document is public
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    return response.get_json()


def test_document_is_valid_openapi_3_1(doc):
    assert doc["openapi"] == "3.1.0"
    schemathesis.openapi.from_dict(doc).validate()  # raises on any violation of the 3.1 schema
    assert doc["servers"] == [{"url": "/api/v1"}]
    assert doc["components"]["securitySchemes"]["bearerToken"]["scheme"] == "bearer"
    problem = doc["components"]["schemas"]["Problem"]
    assert "invalid_params" in problem["properties"]


def test_document_is_built_once_per_process(app):
    with app.test_request_context():
        assert document() is document()


def _operations(doc):
    for path, item in doc["paths"].items():
        for method, op in item.items():
            if method in HTTP_METHODS:
                yield path, method, op


def test_every_api_route_is_documented_and_nothing_else(app, doc):
    routes = {
        (FLASK_PARAM.sub(r"{\1}", rule.rule.removeprefix("/api/v1")), method.lower())
        for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/v1/")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    documented = {(path, method) for path, method, _ in _operations(doc)}
    assert routes == documented


def test_every_operation_is_fully_described(doc):
    ids = []
    tags = {tag["name"] for tag in doc["tags"]}
    for path, method, op in _operations(doc):
        where = f"{method.upper()} {path}"
        ids.append(op["operationId"])
        assert op.get("summary"), where
        assert len(op.get("tags", ())) == 1 and op["tags"][0] in tags, where
        codes = set(op["responses"])
        assert codes & {"200", "201", "202", "204"}, where
        if op.get("security") != []:
            assert "401" in codes, where
        if "{" in path:
            assert "404" in codes, where
        declared = {p.get("name") or p["$ref"].rsplit("/", 1)[-1].lower()
                    for p in [*doc["paths"][path].get("parameters", []),
                              *op.get("parameters", [])]}
        for name in re.findall(r"{(\w+)}", path):
            assert name.replace("_", "") in {d.replace("_", "") for d in declared}, where
        if "requestBody" in op:
            assert {"415", "422"} <= codes, where
        if any("IfMatch" in p.get("$ref", "") for p in op.get("parameters", [])):
            assert {"412", "428"} <= codes, where
        for code, response in op["responses"].items():
            if code.startswith(("4", "5")):
                assert "application/problem+json" in response["content"], f"{where} {code}"
    assert len(ids) == len(set(ids)), "operationIds must be unique"


def _validator(doc, name):
    return jsonschema_rs.Draft202012Validator(
        {"$ref": f"#/components/schemas/{name}", "components": doc["components"]},
        validate_formats=True)


def test_real_responses_match_their_schemas(api, doc, officer, make_case):
    case = make_case(scan_summary="Pattern")
    action = action_service.create_action(case, officer, {
        "title": "Cut back the hedges", "description": "", "tactic_category": "environmental",
        "triangle_side": "location", "allocation": f"org:{officer.organisation_id}",
        "due_date": dt.date.today() + dt.timedelta(days=7), "priority": "normal",
    })
    db.session.flush()
    client = api(officer)
    base = f"/api/v1/cases/{case.reference}"
    _validator(doc, "Case").validate(client.get(base).get_json())
    for item in client.get("/api/v1/cases").get_json()["items"]:
        _validator(doc, "CaseSummary").validate(item)
    _validator(doc, "ActionDetail").validate(
        client.get(f"{base}/actions/{action.reference}").get_json())
    _validator(doc, "ActionList").validate(client.get(f"{base}/actions").get_json())
    _validator(doc, "ActionList").validate(
        client.get("/api/v1/actions?scope=organisation").get_json())
    problem = client.get("/api/v1/cases?stage=nowhere").get_json()
    _validator(doc, "Problem").validate(problem)


# --- the page ----------------------------------------------------------------------------------

def test_docs_page_shows_every_operation(browser, officer, doc):
    response = browser(officer).get("/api-docs")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.count('data-testid="api-operation"') == len(list(_operations(doc)))
    for path, _, op in _operations(doc):
        assert f'id="{op["operationId"]}"' in html
        assert f"/api/v1{path}" in html
    assert 'href="/api/v1/openapi.json"' in html
    assert 'href="/account/api-tokens"' in html
    assert "curl -X POST" in html and "Authorization: Bearer $SARA_TOKEN" in html
    assert "invalid_params" in html
    assert html.count("<h1") == 1
    # Field and parameter names are shown as code, never as escaped tags.
    assert "<code>reference</code>" in html and "&lt;code&gt;" not in html


def test_docs_page_needs_sign_in_and_is_linked_from_every_page(client, browser, officer):
    response = client.get("/api-docs")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
    page = browser(officer).get("/cases").get_data(as_text=True)
    assert 'href="/api-docs"' in page

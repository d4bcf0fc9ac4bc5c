"""/api-docs: the API's documentation as a page, drawn from the same OpenAPI document the API
serves, so the two cannot disagree. Server-rendered with GOV.UK components (no Swagger UI, no CDN:
police networks are often closed)."""

from __future__ import annotations

import json
import re

from flask import Blueprint, abort, render_template, request, url_for
from flask_login import current_user
from werkzeug.routing import BuildError

from sara import policy
from sara.api.openapi import document, operations, resolve

bp = Blueprint("api_docs", __name__)


def _schema_name(schema) -> str | None:
    if isinstance(schema, dict) and "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    return None


def type_label(doc: dict, schema) -> str:
    """A short, readable description of a JSON Schema: 'string (date)', 'one of: a, b'..."""
    if not isinstance(schema, dict):
        return ""
    name = _schema_name(schema)
    if name:
        return name
    items = schema.get("properties", {}).get("items", {})
    if items.get("type") == "array":
        return f"list of {type_label(doc, items.get('items', {}))}"
    if "enum" in schema:
        values = [v for v in schema["enum"] if v is not None]
        label = "one of: " + ", ".join(str(v) for v in values)
        return label + (", or null" if None in schema["enum"] else "")
    types = schema.get("type", "object")
    types = types if isinstance(types, list) else [types]
    parts = []
    for kind in types:
        if kind == "array":
            parts.append(f"array of {type_label(doc, schema.get('items', {})) or 'values'}")
        elif kind == "string" and schema.get("format"):
            parts.append(f"string ({schema['format']})")
        else:
            parts.append(kind)
    return " or ".join(parts)


def _constraints(schema: dict) -> str:
    notes = []
    for key, text in (("minLength", "at least {} characters"), ("maxLength", "at most {} "
                      "characters"), ("minimum", "from {}"), ("maximum", "up to {}"),
                      ("default", "default {}"), ("pattern", "matching {}")):
        if key in schema:
            notes.append(text.format(schema[key]))
    return "; ".join(notes)


def _notes(description: str, schema: dict) -> str:
    constraints = _constraints(schema)
    return f"{description} ({constraints})".strip() if constraints else description


def _parameters(doc: dict, path_item: dict, op: dict) -> list[dict]:
    rows = []
    for raw in [*path_item.get("parameters", []), *op.get("parameters", [])]:
        p = resolve(doc, raw)
        schema = p.get("schema", {})
        rows.append({
            "name": p["name"], "in": p["in"], "required": p.get("required", False),
            "type": type_label(doc, schema),
            "description": _notes(p.get("description", ""), schema),
        })
    return rows


def _body_fields(doc: dict, op: dict) -> tuple[str | None, list[dict]]:
    body = op.get("requestBody")
    if not body:
        return None, []
    content = resolve(doc, body).get("content", {})
    media, spec = next(iter(content.items()))
    schema = resolve(doc, spec.get("schema", {}))
    required = set(schema.get("required", ()))
    rows = [
        {"name": name, "type": type_label(doc, prop), "required": name in required,
         "description": _notes(resolve(doc, prop).get("description", ""), resolve(doc, prop))}
        for name, prop in schema.get("properties", {}).items()
    ]
    return media, rows


def _responses(doc: dict, op: dict) -> list[dict]:
    rows = []
    for code, raw in sorted(op.get("responses", {}).items()):
        response = resolve(doc, raw)
        content = response.get("content", {})
        media = next(iter(content), None)
        rows.append({
            "code": code, "description": response.get("description", ""),
            "media": media or "",
            "schema": type_label(doc, content[media].get("schema")) if media else "",
        })
    return rows


def _example_value(doc: dict, schema, depth: int = 0):
    """A plausible value for a curl example."""
    schema = resolve(doc, schema) if isinstance(schema, dict) else {}
    if "examples" in schema:
        return schema["examples"][0]
    if "default" in schema:
        return schema["default"]
    if "enum" in schema:
        return next(v for v in schema["enum"] if v is not None)
    kind = schema.get("type", "object")
    kind = next((k for k in kind if k != "null"), "string") if isinstance(kind, list) else kind
    if kind == "object" and depth < 2:
        properties = schema.get("properties", {})
        # An update needs no field in particular: show one.
        names = schema.get("required") or list(properties)[:1]
        return {name: _example_value(doc, properties[name], depth + 1) for name in names
                if name in properties}
    return {"integer": 1, "number": 53.23, "boolean": True, "array": []}.get(kind, (
        "2027-03-27" if schema.get("format") == "date" else "text"))


_PLACEHOLDERS = {"reference": "PS-2026-00042", "action_ref": "AC-000123"}


def curl_example(doc: dict, method: str, path: str, op: dict, base: str) -> str:
    url = base + re.sub(r"\{(\w+)\}", lambda m: _PLACEHOLDERS.get(m.group(1), "1"), path)
    lines = [f"curl -X {method.upper()} '{url}'"]
    if op.get("security") != []:
        # Double quotes, so the shell fills in the token from the environment.
        lines.append('  -H "Authorization: Bearer $SARA_TOKEN"')
    params = [resolve(doc, p) for p in op.get("parameters", [])]
    if any(p.get("name") == "If-Match" for p in params):
        record = ("AC-000123" if "{action_ref}" in path else
                  "PS-2026-00042-evaluation" if "/evaluation" in path else "PS-2026-00042")
        lines.append(f"  -H 'If-Match: \"{record}.v3\"'")
    body = op.get("requestBody")
    if body:
        schema = next(iter(resolve(doc, body)["content"].values())).get("schema", {})
        lines.append("  -H 'Content-Type: application/json'")
        lines.append(f"  -d '{json.dumps(_example_value(doc, schema))}'")
    return " \\\n".join(lines)


def _segments(text: str) -> list[list[tuple[bool, str]]]:
    """Paragraphs of `text`, each split into (is_code, text) runs at `backticks`."""
    return [[(i % 2 == 1, run) for i, run in enumerate(paragraph.split("`")) if run]
            for paragraph in text.split("\n\n") if paragraph.strip()]


def _optional_url(*endpoints: str) -> str | None:
    """The first of `endpoints` the app has (the token pages may not be installed)."""
    for endpoint in endpoints:
        try:
            return url_for(endpoint)
        except BuildError:
            continue
    return None


@bp.route("/api-docs")
def index():
    if not policy.can_read_api_docs(current_user):
        abort(403)
    doc = document()
    base = request.host_url.rstrip("/") + doc["servers"][0]["url"]
    sections = []
    for tag in doc["tags"]:
        ops = []
        for tag_name, method, path, op in operations(doc):
            if tag_name != tag["name"]:
                continue
            media, fields = _body_fields(doc, op)
            ops.append({
                "id": op["operationId"], "method": method.upper(), "path": path,
                "full_path": doc["servers"][0]["url"] + path, "summary": op.get("summary", ""),
                "description": _segments(op.get("description", "")),
                "parameters": _parameters(doc, doc["paths"][path], op),
                "body_media": media, "body_fields": fields,
                "responses": _responses(doc, op),
                "curl": curl_example(doc, method, path, op, base),
                "public": op.get("security") == [],
            })
        sections.append({"name": tag["name"], "description": tag.get("description", ""),
                         "operations": ops})
    return render_template(
        "api_docs/index.html", doc=doc, sections=sections,
        intro=_segments(doc["info"].get("description", "")),
        tokens_url=_optional_url("api_tokens.index", "api_tokens.tokens"),
        json_url=url_for("api.openapi_json"),
        operation_count=sum(len(s["operations"]) for s in sections),
    )


__all__ = ["bp", "curl_example", "type_label"]

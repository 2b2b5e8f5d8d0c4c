"""The OpenAPI document, the readable API docs and the health check."""

from __future__ import annotations

import re

import pytest
from django.db import OperationalError, connection
from openapi_spec_validator import validate

pytestmark = pytest.mark.django_db

FILTERS = {"q", "kind", "county", "population_class", "fa_region", "member_of", "code"}


@pytest.fixture
def schema(client) -> dict:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json()


def parameters(operation: dict) -> dict[str, dict]:
    return {p["name"]: p for p in operation.get("parameters", [])}


# --- OpenAPI document -------------------------------------------------------------


def test_openapi_document_is_json(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert "json" in response["Content-Type"]
    data = response.json()
    assert data["openapi"].startswith("3.")
    assert data["info"]["title"] == "Kraftsamla API"
    assert data["info"]["version"]


def test_openapi_document_is_valid(schema):
    validate(schema)  # raises on any violation of the OpenAPI specification


def test_openapi_documents_every_endpoint(schema):
    assert {
        "/api/v1/organisations/",
        "/api/v1/organisations/{slug}/",
        "/api/v1/me/",
    } <= set(schema["paths"])
    # Organisations are read-only through the API.
    for path in ("/api/v1/organisations/", "/api/v1/organisations/{slug}/", "/api/v1/me/"):
        assert set(schema["paths"][path]) == {"get"}, path
    assert all(path.startswith("/api/v1/") for path in schema["paths"])


def test_openapi_documents_the_list_filters_and_pagination(schema):
    operation = schema["paths"]["/api/v1/organisations/"]["get"]
    params = parameters(operation)
    assert FILTERS | {"page", "page_size"} <= set(params)
    assert all(params[name]["in"] == "query" for name in FILTERS)
    assert all(not params[name].get("required", False) for name in FILTERS)
    # Names are unique: a duplicated page_size would confuse generated clients.
    names = [p["name"] for p in operation["parameters"]]
    assert len(names) == len(set(names))
    assert "municipality" in params["kind"]["schema"]["enum"]
    assert "200k+" in params["population_class"]["schema"]["enum"]
    assert params["county"].get("description")


def test_openapi_documents_the_paginated_list_shape(schema):
    response = schema["paths"]["/api/v1/organisations/"]["get"]["responses"]["200"]
    ref = response["content"]["application/json"]["schema"]["$ref"]
    page = schema["components"]["schemas"][ref.rsplit("/", 1)[-1]]
    assert {"count", "next", "previous", "results"} <= set(page["properties"])


def test_openapi_documents_the_detail_fields(schema):
    operation = schema["paths"]["/api/v1/organisations/{slug}/"]["get"]
    assert parameters(operation)["slug"]["in"] == "path"
    ref = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    detail = schema["components"]["schemas"][ref.rsplit("/", 1)[-1]]
    assert {"belongs_to", "members", "emissions", "climate_profile", "slug", "code"} <= set(
        detail["properties"]
    )


def test_openapi_documents_token_and_session_auth(schema):
    schemes = schema["components"]["securitySchemes"]
    kinds = {(s["type"], s.get("in"), s.get("name")) for s in schemes.values()}
    assert ("apiKey", "header", "Authorization") in kinds
    assert ("apiKey", "cookie", "sessionid") in kinds


# --- Readable docs ---------------------------------------------------------------


def test_docs_page_lists_the_endpoints(client):
    response = client.get("/api/v1/docs/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert "<h1" in html
    for endpoint in ("/api/v1/organisations/", "/api/v1/organisations/{slug}/", "/api/v1/me/"):
        assert f"GET {endpoint}</code>" in html, endpoint
    # Each operation is a labelled section with a unique heading id.
    ids = re.findall(r'<h3 id="(op-\d+)"', html)
    assert len(ids) >= 3 and len(ids) == len(set(ids))
    assert 'href="/api/v1/openapi.json"' in html


def test_docs_page_lists_the_filter_parameters(client):
    html = client.get("/api/v1/docs/").content.decode()
    for name in FILTERS:
        assert f"<code>{name}</code>" in html, name


def test_docs_page_needs_no_third_party_javascript(client):
    html = client.get("/api/v1/docs/").content.decode()
    for src in re.findall(r'<script[^>]+src="([^"]+)"', html):
        assert src.startswith("/"), src


# --- Health check -------------------------------------------------------------------


def test_healthz_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_healthz_is_503_when_the_database_fails(client, monkeypatch):
    def broken_cursor(*args, **kwargs):
        raise OperationalError("database is down")

    monkeypatch.setattr(connection, "cursor", broken_cursor)
    response = client.get("/healthz")
    monkeypatch.undo()
    assert response.status_code == 503
    data = response.json()
    assert data["database"] == "error"
    assert data["status"] != "ok"


# --- The real contract: errors, auth, parameters ---------------------------------------


def operations(schema: dict):
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            yield f"{method.upper()} {path}", operation


def test_openapi_documents_the_error_answers_of_every_endpoint(schema):
    error_ref = "#/components/schemas/Error"
    for label, operation in operations(schema):
        responses = operation["responses"]
        assert "401" in responses, label
        for code, response in responses.items():
            if code.startswith(("4", "5")):
                body = response["content"]["application/json"]["schema"]
                assert body == {"$ref": error_ref}, (label, code)
        if "{" in label:
            assert "404" in responses, label
        if any(p["in"] == "query" for p in operation.get("parameters", [])):
            assert "400" in responses, label
        if "requestBody" in operation:
            assert {"400", "413"} <= set(responses), label
    error = schema["components"]["schemas"]["ErrorBody"]
    assert {"code", "message", "fields"} <= set(error["properties"])


def test_openapi_marks_public_endpoints_as_needing_no_login(schema):
    public = {
        "GET /api/v1/organisations/",
        "GET /api/v1/organisations/{slug}/",
        "GET /api/v1/capacity/frameworks/",
        "GET /api/v1/support/bodies/{slug}/offers/",
    }
    login = {
        "GET /api/v1/me/",
        "PUT /api/v1/capacity/assessments/{id}/answers/",
        "GET /api/v1/support/bodies/{slug}/coverage/",
    }
    for label, operation in operations(schema):
        if label in public:
            assert {} in operation["security"], label
        if label in login:
            assert {} not in operation["security"], label


def test_openapi_bounds_the_page_size_and_lists_every_filter(schema, client):
    for label, operation in operations(schema):
        params = parameters(operation)
        if "page_size" in params:
            assert params["page_size"]["schema"] == {
                "type": "integer",
                "minimum": 1,
                "maximum": 500,
            }, label
            assert params["page"]["schema"]["minimum"] == 1
    for path in ("/api/v1/capacity/assessments/", "/api/v1/support/needs/"):
        assert "organisation" in parameters(schema["paths"][path]["get"]), path
    county = parameters(schema["paths"]["/api/v1/organisations/"]["get"])["county"]
    assert "14" in county["schema"]["enum"]


@pytest.mark.parametrize("value", ["null", "0", "501", "", "x"])
def test_api_rejects_a_page_size_out_of_range(client, value):
    response = client.get("/api/v1/organisations/", {"page_size": value})
    assert response.status_code == 400
    assert "page_size" in response.json()["error"]["fields"]


def test_api_rejects_an_invalid_page_and_404s_past_the_end(client):
    assert client.get("/api/v1/organisations/", {"page": "0"}).status_code == 400
    assert client.get("/api/v1/organisations/", {"page": "9999"}).status_code == 404


def test_openapi_document_generates_without_warnings(tmp_path):
    # In place of drf-spectacular's deploy check (off: the document reads the database).
    from django.core.management import call_command

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", tmp_path / "api.yaml")

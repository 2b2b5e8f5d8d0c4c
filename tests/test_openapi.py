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

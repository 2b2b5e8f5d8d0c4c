"""Schemathesis over the whole API: every answer keeps the published OpenAPI contract.

Requests are generated from /api/v1/openapi.json (valid and invalid ones) and sent
to the WSGI application in this process, so they see the test database,
authenticated with a coordinator's API token. All of schemathesis's checks run on
every answer (no server error, documented status code, content type, headers and
response schema, valid data accepted, invalid data rejected, ...), so the code and
the document cannot drift apart unnoticed. The examples per operation are bounded
to keep the run short.

The document is loaded inside the test (not at collection) because its filter
choices come from the database, which pytest opens only for tests.
"""

from __future__ import annotations

from contextlib import contextmanager

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable

from kraftsamla.accounts.services import api_token_rotate
from kraftsamla.config.wsgi import application
from tests.helpers import COORDINATOR, demo_user

pytestmark = pytest.mark.django_db

EXAMPLES_PER_OPERATION = 10
MODES = (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE)


def contract_failures(operation, mode, headers) -> list[str]:
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def check(case):
        case.call_and_validate(headers=headers)

    try:
        check()
    except Unsatisfiable:
        # No invalid request exists: the only parameter is a free-text path segment.
        return []
    except Exception as failure:  # noqa: BLE001 - every failure is reported below
        return [f"{operation.label} ({mode.value}): {failure}"]
    return []


@contextmanager
def connection_kept_open():
    """Keep the test transaction's connection across the WSGI calls, as Django's test
    Client does: the handler's request signals close a connection whose autocommit
    differs from the settings' (it does inside the test transaction), which closed the
    PostgreSQL connection mid-test (SQLite's in-memory test database is never closed).
    Django's test Client connects the signal again after each of its requests, so no
    Client request may run inside this block."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def test_api_keeps_its_openapi_contract():
    schema = schemathesis.openapi.from_dict(Client().get("/api/v1/openapi.json").json())
    schema.app = application
    headers = {
        "Authorization": f"Token {api_token_rotate(actor=demo_user(COORDINATOR))}",
        # The WSGI transport does not undo gzip as an HTTP client would (tested elsewhere).
        "Accept-Encoding": "identity",
    }
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 12
    with connection_kept_open():
        failures = [
            message
            for operation in operations
            for mode in MODES
            for message in contract_failures(operation, mode, headers)
        ]
    assert not failures, "\n\n".join(failures)

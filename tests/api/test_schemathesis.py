"""Property-based fuzzing of the whole API from its own /openapi.json (schemathesis):
no request, valid or not, gets a 5xx, and every response matches its documented schema.
A class's event stream is left out: its response never ends (test_classes_stream.py)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from backprop_playground.app import create_app
from backprop_playground.settings import Settings

_db = Path(tempfile.mkdtemp(prefix="schemathesis-")) / "links.sqlite3"
app = create_app(Settings(work_budget_seconds=0.1, database_url=f"sqlite:///{_db}"))
schema = schemathesis.openapi.from_asgi("/openapi.json", app).exclude(
    path="/api/v1/classes/{code}/events"
)


@schema.parametrize()
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_never_fails_and_matches_its_schema(case):
    case.call_and_validate(
        checks=[
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_schema_conformance,
        ]
    )

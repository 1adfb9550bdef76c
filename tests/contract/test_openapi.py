"""The app's OpenAPI document against the Immich v1.134.0 spec, for every implemented operation."""

from __future__ import annotations

from typing import Any

import pytest

from photonest.app import create_app
from photonest.config.env import Settings
from tests.scope import AUTH_RULES, load_spec, spec_operations

OPERATIONS = spec_operations()


@pytest.fixture(scope="module")
def ours(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    app = create_app(Settings(media_location=tmp_path_factory.mktemp("media")))
    while not hasattr(app, "openapi"):
        app = getattr(app, "app", None) or app.other_asgi_app
    return app.openapi()  # type: ignore[no-any-return]


def _success(operation: dict[str, Any]) -> str | None:
    codes = sorted(code for code in operation.get("responses", {}) if str(code).startswith("2"))
    return codes[0] if codes else None


def _schema_ref(operation: dict[str, Any]) -> str | None:
    code = _success(operation)
    content = operation.get("responses", {}).get(code, {}).get("content", {})
    schema = content.get("application/json", {}).get("schema", {})
    schema = schema.get("items", schema)
    ref = schema.get("$ref") or (schema.get("allOf") or [{}])[0].get("$ref")
    return ref.rsplit("/", 1)[-1] if ref else None


def test_scope_lists_every_operation_of_the_tags() -> None:
    assert {(m, p) for m, p, _ in OPERATIONS} == set(AUTH_RULES)


@pytest.mark.parametrize(("method", "path", "spec_op"), OPERATIONS, ids=[f"{m} {p}" for m, p, _ in OPERATIONS])
def test_operation_matches_the_spec(ours: dict[str, Any], method: str, path: str, spec_op: dict[str, Any]) -> None:
    mine = ours["paths"].get(path, {}).get(method.lower())
    assert mine is not None, f"{method} {path} is missing"
    assert mine["operationId"] == spec_op["operationId"]
    assert _success(mine) == _success(spec_op)
    assert _schema_ref(mine) == _schema_ref(spec_op)
    spec_query = {p["name"] for p in spec_op.get("parameters", []) if p["in"] == "query"}
    my_query = {p["name"] for p in mine.get("parameters", []) if p["in"] == "query"}
    assert my_query == spec_query
    spec_body = spec_op.get("requestBody", {}).get("content", {})
    my_body = mine.get("requestBody", {}).get("content", {})
    assert set(my_body) == set(spec_body)
    for media_type, content in spec_body.items():
        assert (
            my_body[media_type]["schema"].get("$ref", "").rsplit("/", 1)[-1]
            == content["schema"]["$ref"].rsplit("/", 1)[-1]
        )
    assert ("security" in mine) == ("security" in spec_op)


def test_response_schemas_have_the_spec_properties(ours: dict[str, Any]) -> None:
    spec_schemas = load_spec()["components"]["schemas"]
    my_schemas = ours["components"]["schemas"]
    names = {_schema_ref(op) for _, _, op in OPERATIONS} - {None}
    for name in sorted(names):  # type: ignore[type-var]
        assert name in my_schemas, name
        assert set(my_schemas[name].get("properties", {})) == set(spec_schemas[name].get("properties", {})), name
        assert set(my_schemas[name].get("required", [])) == set(spec_schemas[name].get("required", [])), name

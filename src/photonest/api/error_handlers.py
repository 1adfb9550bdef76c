"""Errors to upstream's JSON shape, validation failures to class-validator style messages."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from photonest.errors import ApiError

log = logging.getLogger("photonest.api")


def error_body(request: Request, status: int, message: str | list[str], error: str | None = None) -> dict[str, Any]:
    return {
        "message": message,
        "error": error or HTTPStatus(status).phrase,
        "statusCode": status,
        "correlationId": getattr(request.state, "correlation_id", ""),
    }


def error_response(request: Request, status: int, message: str | list[str]) -> JSONResponse:
    return JSONResponse(error_body(request, status, message), status_code=status)


def _property(loc: Sequence[str | int]) -> tuple[str, bool]:
    """The property path class-validator would name, and whether the error is about one array element."""
    parts = list(loc[1:]) if loc and loc[0] in ("body", "query", "path", "header", "cookie") else list(loc)
    each = bool(parts) and isinstance(parts[-1], int)
    while parts and isinstance(parts[-1], int):
        parts.pop()
    # Pydantic may name the failing union/annotated branch ("function-after[...]", "str"): drop such parts.
    names = [str(p) for p in parts if not (isinstance(p, str) and ("[" in p or p in _TYPE_TAGS))]
    return ".".join(names), each


_TYPE_TAGS = {"str", "int", "float", "bool", "list", "dict", "uuid", "datetime", "date", "enum", "is-instance"}


def _missing_body_as_empty(request: Request, error: dict[str, Any]) -> list[dict[str, Any]]:
    """A request without a JSON body is validated as `{}`, as upstream does, so each required field is named."""
    if error.get("type") != "missing" or tuple(error.get("loc", ())) != ("body",):
        return [error]
    body_field = getattr(request.scope.get("route"), "body_field", None)
    model = getattr(getattr(body_field, "field_info", None), "annotation", None)
    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        return [error]
    try:
        model.model_validate({})
    except ValidationError as invalid:
        return [{**e, "loc": ("body", *e["loc"])} for e in invalid.errors()]
    return [error]


def validation_message(error: dict[str, Any]) -> str:
    """One pydantic error as the class-validator message upstream would send."""
    name, each = _property(error.get("loc", ()))
    prefix = f"each value in {name}" if each else name
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return f"{name} should not be empty"
    if kind in ("string_type", "string_unicode"):
        return f"{prefix} must be a string"
    if kind in ("bool_type", "bool_parsing"):
        return f"{prefix} must be a boolean value"
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return f"{prefix} must be an integer number"
    if kind in ("float_type", "float_parsing", "finite_number"):
        return f"{prefix} must be a number conforming to the specified constraints"
    if kind in ("uuid_type", "uuid_parsing", "uuid_version"):
        return f"{prefix} must be a UUID"
    if kind == "enum":
        values = ", ".join(re.findall(r"'([^']*)'", str(ctx.get("expected", ""))))
        return f"{prefix} must be one of the following values: {values}"
    if kind.startswith("datetime") or kind == "timezone_aware":
        return f"{prefix} must be a Date instance"
    if kind.startswith("date"):
        return f"{prefix} must be a valid ISO 8601 date string"
    if kind in ("greater_than_equal", "greater_than"):
        return f"{prefix} must not be less than {_number(ctx.get('ge', ctx.get('gt')))}"
    if kind in ("less_than_equal", "less_than"):
        return f"{prefix} must not be greater than {_number(ctx.get('le', ctx.get('lt')))}"
    if kind == "string_too_short":
        return f"{prefix} must be longer than or equal to {ctx.get('min_length')} characters"
    if kind == "string_too_long":
        return f"{prefix} must be shorter than or equal to {ctx.get('max_length')} characters"
    if kind == "too_short":
        return f"{name} must contain at least {ctx.get('min_length')} elements"
    if kind == "too_long":
        return f"{name} must contain no more than {ctx.get('max_length')} elements"
    if kind in ("list_type", "tuple_type", "set_type"):
        return f"{name} must be an array"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return f"nested property {name} must be either object or array" if name else "body must be an object"
    if kind.startswith("url"):
        return f"{prefix} must be a URL address"
    if kind == "json_invalid":
        return "Request body is not valid JSON"
    return f"{prefix} {error.get('msg', 'is invalid')}".strip()


def _number(value: Any) -> Any:
    # JavaScript prints 65535, not 65535.0.
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _route_words(request: Request) -> str:
    route = request.scope.get("route")
    name = getattr(route, "name", "") or "handle request"
    return re.sub(r"(?<!^)(?=[A-Z])", " ", name).replace("_", " ").lower()


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers that give every error upstream's body."""

    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse(error_body(request, exc.status, exc.message, exc.error), status_code=exc.status)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [e for error in exc.errors() for e in _missing_body_as_empty(request, error)]
        messages = list(dict.fromkeys(validation_message(e) for e in errors))
        return error_response(request, 400, messages)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code in (404, 405):
            return error_response(request, 404, f"Cannot {request.method} {request.url.path}")
        return error_response(request, exc.status_code, str(exc.detail))

    @app.exception_handler(Exception)
    async def unexpected_error(request: Request, exc: Exception) -> JSONResponse:
        cid = getattr(request.state, "correlation_id", "")
        log.error("Unexpected error in %s %s [%s]", request.method, request.url.path, cid, exc_info=exc)
        return error_response(request, 500, f"Failed to {_route_words(request)}")

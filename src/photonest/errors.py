"""Errors that map to HTTP answers with upstream's status codes and messages."""

from __future__ import annotations

from http import HTTPStatus


class ApiError(Exception):
    """An error answered as `{message, error, statusCode, correlationId}`."""

    status = 500

    def __init__(self, message: str | list[str] | None = None) -> None:
        self.message: str | list[str] = message if message is not None else HTTPStatus(self.status).phrase
        super().__init__(self.message)

    @property
    def error(self) -> str:
        return HTTPStatus(self.status).phrase


class BadRequest(ApiError):
    status = 400


class Unauthorized(ApiError):
    status = 401


class Forbidden(ApiError):
    status = 403


class NotFound(ApiError):
    status = 404


class Conflict(ApiError):
    status = 409


class PayloadTooLarge(ApiError):
    status = 413


def no_access(permission: str) -> BadRequest:
    """The answer for ids the caller may not touch, indistinguishable from ids that do not exist."""
    return BadRequest(f"Not found or no {permission} access")

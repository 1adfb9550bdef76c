"""Wire types shared by the generated schemas: JavaScript-style dates and class-validator-style emails."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, PlainSerializer
from pydantic_core import PydanticCustomError

# class-validator's IsEmail({require_tld: false}): local@domain, no spaces, domain labels without a TLD allowed.
_EMAIL = re.compile(r"^[^\s@\"(),:;<>\[\]\\]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9-]{1,63})*$")


def to_iso(value: datetime) -> str:
    """Format a datetime like JavaScript's Date.toISOString()."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def js_numbers(value: Any) -> Any:
    """Integral floats as ints, everywhere in a JSON value: JavaScript has one number type and prints 1.0 as 1."""
    if isinstance(value, float):
        return int(value) if value.is_integer() else value
    if isinstance(value, dict):
        return {k: js_numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [js_numbers(v) for v in value]
    return value


def _aware(value: datetime) -> datetime:
    # A date without an offset is taken as UTC, as a Node server in a UTC container does.
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def _email(value: str) -> str:
    value = value.strip().lower()
    if not _EMAIL.match(value) or len(value) > 254:
        raise PydanticCustomError("email", "must be an email")
    return value


IsoDateTime = Annotated[datetime, AfterValidator(_aware), PlainSerializer(to_iso, return_type=str, when_used="json")]
Email = Annotated[str, AfterValidator(_email)]

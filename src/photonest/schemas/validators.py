"""Field types carrying upstream's custom validation rules and messages (`server/src/validation.ts`)."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

_PIN = re.compile(r"^\d{6}$")


def _pin_code(value: str) -> str:
    if not _PIN.match(value):
        raise PydanticCustomError("pin_code", "must be a 6-digit numeric string")
    return value


PinCode = Annotated[str, AfterValidator(_pin_code)]

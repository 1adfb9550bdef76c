"""JSON answers rendered as JavaScript would: integral numbers without a fractional part."""

from __future__ import annotations

import json
from typing import Any

from fastapi.responses import JSONResponse


def js_numbers(value: Any) -> Any:
    """Integral floats as ints, everywhere in a JSON value (JSON.stringify prints 4.0 as 4)."""
    if isinstance(value, float):
        return int(value) if value.is_integer() else value
    if isinstance(value, dict):
        return {k: js_numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [js_numbers(v) for v in value]
    return value


class JsJSONResponse(JSONResponse):
    """The default answer class: compact JSON, numbers as JavaScript prints them."""

    def render(self, content: Any) -> bytes:
        return json.dumps(js_numbers(content), ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode(
            "utf-8"
        )

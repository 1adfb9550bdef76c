"""JSON answers rendered as JavaScript would: integral numbers without a fractional part."""

from __future__ import annotations

import json
from typing import Any

from fastapi.responses import JSONResponse

from photonest.schemas.types import js_numbers


class JsJSONResponse(JSONResponse):
    """The default answer class: compact JSON, numbers as JavaScript prints them."""

    def render(self, content: Any) -> bytes:
        return json.dumps(js_numbers(content), ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode(
            "utf-8"
        )

"""The router every tag module uses: responses omit unset optional keys, as JSON.stringify omits undefined."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from fastapi.datastructures import DefaultPlaceholder


class ApiRouter(APIRouter):
    """APIRouter whose routes serialise with `exclude_unset` and answer void handlers with no body."""

    def add_api_route(self, path: str, endpoint: Any, **kwargs: Any) -> None:
        kwargs["response_model_exclude_unset"] = True
        is_void = endpoint.__annotations__.get("return") in (None, "None")
        model = kwargs.get("response_model")
        no_model = model is None or (isinstance(model, DefaultPlaceholder) and model.value is None)
        if no_model and is_void and isinstance(kwargs.get("response_class"), DefaultPlaceholder):
            # Upstream's void handlers answer with an empty body, not `null`.
            kwargs["response_class"] = Response
        super().add_api_route(path, endpoint, **kwargs)

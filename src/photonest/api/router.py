"""The router every tag module uses: responses omit unset optional keys, as JSON.stringify omits undefined."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from fastapi import APIRouter, FastAPI, Response
from fastapi.datastructures import DefaultPlaceholder

from photonest.api.responses import JsJSONResponse

API_PREFIX = "/api"


class ApiRouter(APIRouter):
    """APIRouter under /api whose routes serialise with `exclude_unset` and answer void handlers with no body.

    Its routes carry their full path, so the app can take them as they are (`mount_routes`) rather than through
    `include_router`, whose nested routers are matched one by one on every request.
    """

    def __init__(self, *, prefix: str = "", **kwargs: Any) -> None:
        super().__init__(prefix=API_PREFIX + prefix, default_response_class=JsJSONResponse, **kwargs)

    def add_api_route(self, path: str, endpoint: Any, **kwargs: Any) -> None:
        kwargs["response_model_exclude_unset"] = True
        is_void = endpoint.__annotations__.get("return") in (None, "None")
        model = kwargs.get("response_model")
        no_model = model is None or (isinstance(model, DefaultPlaceholder) and model.value is None)
        if no_model and is_void and isinstance(kwargs.get("response_class"), DefaultPlaceholder):
            # Upstream's void handlers answer with an empty body, not `null`.
            kwargs["response_class"] = Response
        super().add_api_route(path, endpoint, **kwargs)


def mount_routes(app: FastAPI, routers: Iterable[APIRouter]) -> None:
    """Add the routers' routes to the app's own route list, in order, each matched by its own path pattern."""
    for router in routers:
        app.router.routes.extend(router.routes)

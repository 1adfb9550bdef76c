"""The ASGI application: /api routes, error handlers, Socket.IO, lifespan."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from photonest import IMMICH_API_VERSION
from photonest.api import (
    activity,
    album,
    api_key,
    asset,
    asset_media,
    auth,
    download,
    duplicate,
    face,
    job,
    library,
    map,
    memory,
    notification,
    notification_admin,
    partner,
    person,
    search,
    server,
    session,
    shared_link,
    stack,
    system_config,
    system_metadata,
    tag,
    timeline,
    trash,
    user,
    user_admin,
    view,
)
from photonest.api.error_handlers import install_error_handlers
from photonest.api.middleware import CorrelationIdMiddleware, ETagMiddleware
from photonest.api.responses import JsJSONResponse
from photonest.api.router import mount_routes
from photonest.config.env import Settings, load_settings
from photonest.container import Container, build_container
from photonest.events.relay import start_event_relay
from photonest.events.websocket import SocketServer
from photonest.schemas import generated
from photonest.worker import start_worker_thread

log = logging.getLogger(__name__)

ROUTERS = [
    activity.router,
    album.router,
    api_key.router,
    # asset_media first: its fixed paths (/assets/exist, /assets/bulk-upload-check) precede /assets/{id}.
    asset_media.router,
    asset.router,
    auth.router,
    download.router,
    duplicate.router,
    face.router,
    job.router,
    library.router,
    map.router,
    memory.router,
    notification.router,
    notification_admin.router,
    partner.router,
    person.router,
    search.router,
    server.router,
    session.router,
    shared_link.router,
    stack.router,
    system_config.router,
    system_metadata.router,
    tag.router,
    timeline.router,
    trash.router,
    user.router,
    user_admin.router,
    view.router,
]


def create_app(
    settings: Settings | None = None,
    container: Container | None = None,
    *,
    run_migrations: bool = True,
    run_workers: bool = False,
) -> Any:
    """Build the whole server as one ASGI callable; with run_workers, the job workers run in-process."""
    settings = settings or load_settings()
    container = container or build_container(settings)
    sockets = SocketServer(container)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        container.start(run_migrations=run_migrations)
        sockets.attach_loop()
        stop_relay = start_event_relay(container)
        stop_workers = start_worker_thread(container) if run_workers else None
        yield
        if stop_workers is not None:
            stop_workers()
        stop_relay()
        container.close()

    app = FastAPI(
        title="Immich",
        version=IMMICH_API_VERSION,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        separate_input_output_schemas=False,
        default_response_class=JsJSONResponse,
    )
    app.state.container = container
    app.state.sockets = sockets
    install_error_handlers(app)

    mount_routes(app, ROUTERS)

    @app.get("/.well-known/immich", include_in_schema=False)
    def well_known() -> dict[str, Any]:
        return {"api": {"endpoint": "/api"}}

    app.openapi = lambda: openapi_document(app)  # type: ignore[method-assign]
    return CorrelationIdMiddleware(sockets.wrap(ETagMiddleware(app)))


def _add_missing_components(doc: dict[str, Any], schemas: dict[str, Any]) -> None:
    """Add the spec models that routes reference by hand (bodies parsed as streams, such as uploads)."""
    referenced = set(re.findall(r'"#/components/schemas/([^"]+)"', json.dumps(doc)))
    for name in sorted(referenced - set(schemas)):
        model = getattr(generated, name, None)
        if model is None:
            continue
        schema = model.model_json_schema(by_alias=True, ref_template="#/components/schemas/{model}")
        schemas.update(schema.pop("$defs", {}))
        schemas[name] = schema


def openapi_document(app: FastAPI) -> dict[str, Any]:
    """The OpenAPI document in the spec's form: paths without the /api prefix, no 422 answers."""
    if app.openapi_schema:
        return app.openapi_schema
    doc = get_openapi(
        title="Immich", version=IMMICH_API_VERSION, routes=app.routes, separate_input_output_schemas=False
    )
    paths = {}
    for path, item in doc.get("paths", {}).items():
        for operation in item.values():
            operation.get("responses", {}).pop("422", None)
        paths[path.removeprefix("/api")] = item
    doc["paths"] = paths
    doc["servers"] = [{"url": "/api"}]
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    _add_missing_components(doc, schemas)
    app.openapi_schema = doc
    return doc

"""System Config routes (`system-config.controller.ts`)."""

from __future__ import annotations

from fastapi.responses import JSONResponse

from photonest.api.deps import authenticated, service
from photonest.api.router import ApiRouter
from photonest.records import Auth
from photonest.schemas import generated as g
from photonest.schemas import requests as r
from photonest.services.system_config import SystemConfigService

router = ApiRouter(prefix="/system-config", tags=["System Config"])
P = g.Permission

# The config document is answered as stored rather than through the model: its numbers keep their JavaScript
# form (0, not 0.0) and its URL fields may be "" where the spec's `format: uri` would reject them.


@router.get("", operation_id="getConfig", response_model=r.SystemConfigDto)
def get_config(
    auth: Auth = authenticated(P.SYSTEM_CONFIG_READ, admin=True),
    svc: SystemConfigService = service(SystemConfigService),
) -> JSONResponse:
    return JSONResponse(svc.get_system_config())


@router.put("", operation_id="updateConfig", response_model=r.SystemConfigDto)
def update_config(
    dto: r.SystemConfigDto,
    auth: Auth = authenticated(P.SYSTEM_CONFIG_UPDATE, admin=True),
    svc: SystemConfigService = service(SystemConfigService),
) -> JSONResponse:
    return JSONResponse(svc.update_system_config(dto))


@router.get("/defaults", operation_id="getConfigDefaults", response_model=r.SystemConfigDto)
def get_config_defaults(
    auth: Auth = authenticated(P.SYSTEM_CONFIG_READ, admin=True),
    svc: SystemConfigService = service(SystemConfigService),
) -> JSONResponse:
    return JSONResponse(svc.get_defaults())


@router.get(
    "/storage-template-options",
    operation_id="getStorageTemplateOptions",
    response_model=g.SystemConfigTemplateStorageOptionDto,
)
def get_storage_template_options(
    auth: Auth = authenticated(P.SYSTEM_CONFIG_READ, admin=True),
    svc: SystemConfigService = service(SystemConfigService),
) -> g.SystemConfigTemplateStorageOptionDto:
    return svc.get_storage_template_options()

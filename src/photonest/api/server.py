"""Server routes (`server.controller.ts`)."""

from __future__ import annotations

from photonest.api.deps import authenticated, service
from photonest.api.router import ApiRouter
from photonest.records import Auth
from photonest.schemas import generated as g
from photonest.schemas import requests as r
from photonest.services.server import ServerService

router = ApiRouter(prefix="/server", tags=["Server"])
Server = service(ServerService)


@router.get("/about", operation_id="getAboutInfo", response_model=g.ServerAboutResponseDto)
def get_about_info(auth: Auth = authenticated(), svc: ServerService = Server) -> g.ServerAboutResponseDto:
    return svc.get_about()


@router.get("/config", operation_id="getServerConfig", response_model=g.ServerConfigDto)
def get_server_config(svc: ServerService = Server) -> g.ServerConfigDto:
    return svc.get_server_config()


@router.get("/features", operation_id="getServerFeatures", response_model=g.ServerFeaturesDto)
def get_server_features(svc: ServerService = Server) -> g.ServerFeaturesDto:
    return svc.get_features()


@router.delete("/license", operation_id="deleteServerLicense", status_code=200)
def delete_server_license(auth: Auth = authenticated(admin=True), svc: ServerService = Server) -> None:
    svc.delete_license()


@router.get(
    "/license",
    operation_id="getServerLicense",
    response_model=r.LicenseResponseDto,
    responses={404: {"description": ""}},
)
def get_server_license(auth: Auth = authenticated(admin=True), svc: ServerService = Server) -> r.LicenseResponseDto:
    return svc.get_license()


@router.put("/license", operation_id="setServerLicense", response_model=r.LicenseResponseDto)
def set_server_license(
    dto: r.LicenseKeyDto, auth: Auth = authenticated(admin=True), svc: ServerService = Server
) -> r.LicenseResponseDto:
    return svc.set_license(dto)


@router.get("/media-types", operation_id="getSupportedMediaTypes", response_model=g.ServerMediaTypesResponseDto)
def get_supported_media_types(svc: ServerService = Server) -> g.ServerMediaTypesResponseDto:
    return svc.get_media_types()


@router.get("/ping", operation_id="pingServer", response_model=g.ServerPingResponse)
def ping_server(svc: ServerService = Server) -> g.ServerPingResponse:
    return svc.ping()


@router.get("/statistics", operation_id="getServerStatistics", response_model=g.ServerStatsResponseDto)
def get_server_statistics(
    auth: Auth = authenticated(admin=True), svc: ServerService = Server
) -> g.ServerStatsResponseDto:
    return svc.get_statistics()


@router.get("/storage", operation_id="getStorage", response_model=g.ServerStorageResponseDto)
def get_storage(auth: Auth = authenticated(), svc: ServerService = Server) -> g.ServerStorageResponseDto:
    return svc.get_storage()


@router.get("/theme", operation_id="getTheme", response_model=g.ServerThemeDto)
def get_theme(svc: ServerService = Server) -> g.ServerThemeDto:
    return svc.get_theme()


@router.get("/version", operation_id="getServerVersion", response_model=g.ServerVersionResponseDto)
def get_server_version(svc: ServerService = Server) -> g.ServerVersionResponseDto:
    return svc.get_version()


@router.get("/version-check", operation_id="getVersionCheck", response_model=g.VersionCheckStateResponseDto)
def get_version_check(auth: Auth = authenticated(), svc: ServerService = Server) -> g.VersionCheckStateResponseDto:
    return svc.get_version_check()


@router.get(
    "/version-history", operation_id="getVersionHistory", response_model=list[g.ServerVersionHistoryResponseDto]
)
def get_version_history(svc: ServerService = Server) -> list[g.ServerVersionHistoryResponseDto]:
    return svc.get_version_history()

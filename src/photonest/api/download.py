"""Download routes (`download.controller.ts`)."""

from __future__ import annotations

from typing import Any

from fastapi import Query
from fastapi.responses import StreamingResponse

from photonest.api.deps import authenticated, service
from photonest.api.router import ApiRouter
from photonest.records import Auth
from photonest.schemas import generated as g
from photonest.services.download import DownloadService

router = ApiRouter(prefix="/download", tags=["Download"])

BINARY_ANSWER: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}}
}


@router.post("/archive", operation_id="downloadArchive", response_class=StreamingResponse, responses=BINARY_ANSWER)
def download_archive(
    dto: g.AssetIdsDto,
    key: str | None = Query(None),
    auth: Auth = authenticated(shared_link=True),
    svc: DownloadService = service(DownloadService),
) -> StreamingResponse:
    archive = svc.download_archive(auth, dto)
    # Streamed from the files while the client reads it; the size is known up front (stored entries).
    headers = {"Content-Length": str(archive.size)}
    return StreamingResponse(archive.chunks, media_type="application/octet-stream", headers=headers)


@router.post("/info", operation_id="getDownloadInfo", status_code=201, response_model=g.DownloadResponseDto)
def get_download_info(
    dto: g.DownloadInfoDto,
    key: str | None = Query(None),
    auth: Auth = authenticated(shared_link=True),
    svc: DownloadService = service(DownloadService),
) -> g.DownloadResponseDto:
    return svc.get_download_info(auth, dto)

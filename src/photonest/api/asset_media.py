"""Asset media routes (`asset-media.controller.ts`) and the fixed-path asset routes of `asset.controller.ts`.

Registered before `api/asset.py`, so that `/assets/statistics` and the like are not taken for `/assets/{id}`.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any, TypeVar
from urllib.parse import parse_qsl, urlencode
from uuid import UUID

from fastapi import Path, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect

from photonest.api.deps import authenticated, get_container, service
from photonest.api.file_responses import BINARY_ANSWER, MediaFileResponse
from photonest.api.responses import JsJSONResponse
from photonest.api.router import ApiRouter
from photonest.errors import BadRequest
from photonest.records import Auth
from photonest.schemas import generated as g
from photonest.schemas import requests as r
from photonest.services.asset_media import (
    ASSET_FIELD,
    ORIGINAL,
    SIDECAR_FIELD,
    AssetMediaService,
    MediaRedirect,
    ReceivedUpload,
)
from photonest.storage.files import FileSink, MultipartFileReceiver, ServedFile, receive_into

router = ApiRouter(prefix="/assets", tags=["Assets"])

P = g.Permission
MISSING_FILE = f"Field(s) {ASSET_FIELD} should not be empty"
CHECKSUM_HEADER = "x-immich-checksum"
CHECKSUM_HELP = "sha1 checksum that can be used for duplicate detection before the file is uploaded"
# One dependency object per route guard, so that the receiving dependency and the handler share one resolution.
UPLOADER = authenticated(P.ASSET_UPLOAD, shared_link=True)
REPLACER = authenticated(P.ASSET_UPDATE, shared_link=True)
T = TypeVar("T")


def _multipart(component: str, description: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "content": {"multipart/form-data": {"schema": {"$ref": f"#/components/schemas/{component}"}}},
        "required": True,
    }
    if description:
        body["description"] = description
    return {"requestBody": body}


@contextmanager
def _own_transaction(request: Request) -> Iterator[AssetMediaService]:
    """A service on a short transaction of its own: the request's stays closed while the body streams in."""
    container = get_container(request)
    with container.unit_of_work() as uow:
        yield AssetMediaService(container.context(uow))


def _store(request: Request, action: Callable[[AssetMediaService], T]) -> T:
    """Run a service call in a transaction of its own, committed (events sent) before the answer."""
    with _own_transaction(request) as svc:
        return action(svc)


async def _receive_and_store(
    request: Request,
    auth: Auth,
    model: type[r.AssetMediaCreateDto] | type[r.AssetMediaReplaceDto],
    store: Callable[[AssetMediaService, ReceivedUpload], T],
) -> T:
    """Stream the multipart body's files under upload/<userId>/, then validate the text fields and store the upload.

    The store runs in the worker thread that finishes the body, in a transaction of its own. Whatever fails (the
    body, the fields, the store, its commit) removes the stored files again.
    """
    upload_id = uuid.uuid4()
    # Building paths needs no database, so this service's transaction is never opened.
    with _own_transaction(request) as paths:

        def open_sink(field: str, filename: str) -> FileSink | None:
            # A `filename` field sent before the file names it, as upstream's multer sees fields in order.
            name = receiver.fields.get("filename") or filename
            target = paths.upload_target(auth, upload_id, field, name)
            return FileSink(target, filename) if target else None

        def validated_and_stored() -> T:
            file = receiver.files.get(ASSET_FIELD)
            if file is None:
                raise BadRequest(MISSING_FILE)
            try:
                fields = model.model_validate(receiver.fields)
            except ValidationError as error:
                raise RequestValidationError(error.errors()) from None
            received = ReceivedUpload(fields, file, receiver.files.get(SIDECAR_FIELD))
            return _store(request, lambda svc: store(svc, received))

        try:
            receiver = MultipartFileReceiver(request.headers.get("content-type", ""), open_sink)
        except ValueError:
            raise BadRequest(MISSING_FILE) from None
        try:
            stored = await receive_into(receiver, request.stream(), validated_and_stored)
        except ValueError:
            if receiver.finished:
                raise  # not the body's fault: raised while storing it
            raise BadRequest("Invalid multipart body") from None
        except ClientDisconnect:
            # A dropped connection is routine for mobile backups: nobody is left to answer, nothing to log.
            raise BadRequest("Client disconnected") from None
    if stored is None:
        raise RuntimeError("the upload was received but not stored")
    return stored


def _redirect(request: Request, target: str) -> RedirectResponse:
    """Upstream's relative redirect: `original?…` without size, or this route with another size."""
    params = parse_qsl(request.url.query, keep_blank_values=True)
    if target == ORIGINAL:
        path = ORIGINAL
        params = [(k, v) for k, v in params if k != "size"]
    else:
        path = request.url.path
        at = next((i for i, (k, _) in enumerate(params) if k == "size"), len(params))
        params = [*params[:at], ("size", target), *[(k, v) for k, v in params[at:] if k != "size"]]
    return RedirectResponse(f"{path}?{urlencode(params, safe='*')}", status_code=302)


def _media(request: Request, result: ServedFile | MediaRedirect) -> Response:
    return _redirect(request, result.target_size) if isinstance(result, MediaRedirect) else MediaFileResponse(result)


# `uploadAsset` reads its query and header parameters itself and returns its response ready-made: declared as
# FastAPI parameters, a body dependency and a response model, they cost ~0.7 ms of dependency solving and validation
# per upload. The parameters are declared for the OpenAPI document only, as in the spec.
UPLOAD_PARAMETERS = [
    {"name": "key", "required": False, "in": "query", "schema": {"type": "string"}},
    {
        "name": CHECKSUM_HEADER,
        "in": "header",
        "description": CHECKSUM_HELP,
        "required": False,
        "schema": {"type": "string"},
    },
]


@router.post(
    "",
    operation_id="uploadAsset",
    status_code=201,
    response_model=g.AssetMediaResponseDto,
    openapi_extra={**_multipart("AssetMediaCreateDto", "Asset Upload Information"), "parameters": UPLOAD_PARAMETERS},
)
async def upload_asset(request: Request, auth: Auth = UPLOADER) -> Response:
    checksum = request.headers.get(CHECKSUM_HEADER)
    # A checksum the caller already has is answered before the body is read; without one there is nothing to look up.
    if checksum:
        duplicate = await run_in_threadpool(_store, request, lambda svc: svc.find_upload_duplicate(auth, checksum))
        if duplicate is not None:
            return _upload_answer(duplicate)
    created = await _receive_and_store(
        request, auth, r.AssetMediaCreateDto, lambda svc, received: svc.upload_asset(auth, received)
    )
    return _upload_answer(created)


def _upload_answer(result: g.AssetMediaResponseDto) -> Response:
    # A duplicate answers 200, as every client expects (not in the spec's responses).
    status = 201 if result.status == g.AssetMediaStatus.CREATED else 200
    return JsJSONResponse(result.model_dump(mode="json", by_alias=True, exclude_unset=True), status_code=status)


@router.post(
    "/bulk-upload-check",
    operation_id="checkBulkUpload",
    status_code=200,
    response_model=g.AssetBulkUploadCheckResponseDto,
)
def check_bulk_upload(
    dto: r.AssetBulkUploadCheckDto, auth: Auth = UPLOADER, svc: AssetMediaService = service(AssetMediaService)
) -> g.AssetBulkUploadCheckResponseDto:
    return svc.bulk_upload_check(auth, dto)


@router.post(
    "/exist", operation_id="checkExistingAssets", status_code=200, response_model=g.CheckExistingAssetsResponseDto
)
def check_existing_assets(
    dto: r.CheckExistingAssetsDto, auth: Auth = UPLOADER, svc: AssetMediaService = service(AssetMediaService)
) -> g.CheckExistingAssetsResponseDto:
    return svc.check_existing_assets(auth, dto)


@router.get("/device/{deviceId}", operation_id="getAllUserAssetsByDeviceId", response_model=list[str])
def get_all_user_assets_by_device_id(
    device_id: Annotated[str, Path(alias="deviceId")],
    auth: Auth = UPLOADER,
    svc: AssetMediaService = service(AssetMediaService),
) -> list[str]:
    return svc.get_device_asset_ids(auth, device_id)


@router.get("/random", operation_id="getRandom", response_model=list[g.AssetResponseDto], deprecated=True)
def get_random(
    count: Annotated[r.PositiveInt | None, Query(json_schema_extra={"type": "number", "minimum": 1})] = None,
    auth: Auth = authenticated(P.ASSET_READ),
    svc: AssetMediaService = service(AssetMediaService),
) -> list[g.AssetResponseDto]:
    return svc.get_random(auth, count or 1)


@router.get("/statistics", operation_id="getAssetStatistics", response_model=g.AssetStatsResponseDto)
def get_asset_statistics(
    is_favorite: Annotated[bool | None, Query(alias="isFavorite")] = None,
    is_trashed: Annotated[bool | None, Query(alias="isTrashed")] = None,
    visibility: g.AssetVisibility | None = None,
    auth: Auth = authenticated(P.ASSET_READ),
    svc: AssetMediaService = service(AssetMediaService),
) -> g.AssetStatsResponseDto:
    return svc.get_statistics(auth, is_favorite, is_trashed, visibility)


@router.get(
    "/{id}/original",
    operation_id="downloadAsset",
    response_model=None,
    status_code=200,
    response_class=MediaFileResponse,
    responses=BINARY_ANSWER,
)
def download_asset(
    id: UUID,
    key: str | None = Query(None),
    auth: Auth = authenticated(P.ASSET_DOWNLOAD, shared_link=True),
    svc: AssetMediaService = service(AssetMediaService),
) -> Response:
    return MediaFileResponse(svc.download_original(auth, id))


@router.put(
    "/{id}/original",
    operation_id="replaceAsset",
    status_code=200,
    response_model=g.AssetMediaResponseDto,
    openapi_extra=_multipart("AssetMediaReplaceDto"),
    summary="replaceAsset",
    description="Replace the asset with new file, without changing its id",
)
async def replace_asset(
    request: Request, id: UUID, key: str | None = Query(None), auth: Auth = REPLACER
) -> g.AssetMediaResponseDto:
    # A malformed id is refused before anything is read, as upstream validates it first.
    return await _receive_and_store(
        request, auth, r.AssetMediaReplaceDto, lambda svc, received: svc.replace_asset(auth, id, received)
    )


@router.get(
    "/{id}/thumbnail",
    operation_id="viewAsset",
    response_model=None,
    status_code=200,
    response_class=MediaFileResponse,
    responses=BINARY_ANSWER,
)
def view_asset(
    id: UUID,
    request: Request,
    key: str | None = Query(None),
    size: g.AssetMediaSize | None = Query(None),
    auth: Auth = authenticated(P.ASSET_VIEW, shared_link=True),
    svc: AssetMediaService = service(AssetMediaService),
) -> Response:
    return _media(request, svc.view_thumbnail(auth, id, size))


@router.get(
    "/{id}/video/playback",
    operation_id="playAssetVideo",
    response_model=None,
    status_code=200,
    response_class=MediaFileResponse,
    responses=BINARY_ANSWER,
)
def play_asset_video(
    id: UUID,
    key: str | None = Query(None),
    auth: Auth = authenticated(P.ASSET_VIEW, shared_link=True),
    svc: AssetMediaService = service(AssetMediaService),
) -> Response:
    return MediaFileResponse(svc.play_video(auth, id))

"""Users routes (`user.controller.ts`)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from anyio import to_thread
from fastapi import Depends, Request
from fastapi.responses import FileResponse

from photonest.api.deps import authenticated, service
from photonest.api.router import ApiRouter
from photonest.errors import BadRequest
from photonest.records import Auth
from photonest.schemas import generated as g
from photonest.schemas import requests as r
from photonest.services.user import UserService
from photonest.storage.files import FileSink, MultipartFileReceiver, ServedFile, StoredFile

router = ApiRouter(prefix="/users", tags=["Users"])

PROFILE_FIELD = "file"
PROFILE_IMAGE_BODY = {
    "requestBody": {
        "content": {"multipart/form-data": {"schema": {"$ref": "#/components/schemas/CreateProfileImageDto"}}},
        "description": "A new avatar for the user",
        "required": True,
    }
}
BINARY_ANSWER: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}}
}


@dataclass(frozen=True)
class ProfileUpload:
    """The caller and the image they uploaded, already in its place under profile/."""

    auth: Auth
    file: StoredFile


async def receive_profile_image(
    request: Request, auth: Auth = authenticated(), svc: UserService = service(UserService)
) -> AsyncIterator[ProfileUpload]:
    """Stream the multipart `file` part straight to the user's profile folder; remove it if the request fails."""

    def open_sink(field: str, filename: str) -> FileSink | None:
        return FileSink(svc.profile_image_target(auth, filename), filename) if field == PROFILE_FIELD else None

    try:
        receiver = MultipartFileReceiver(request.headers.get("content-type", ""), open_sink)
    except ValueError:
        raise BadRequest([f"{PROFILE_FIELD} should not be empty"]) from None
    try:
        async for chunk in request.stream():
            await to_thread.run_sync(receiver.feed, chunk)
        await to_thread.run_sync(receiver.finish)
    except ValueError:
        receiver.abort()
        raise BadRequest("Invalid multipart body") from None
    except BaseException:
        receiver.abort()
        raise
    stored = receiver.files.get(PROFILE_FIELD)
    if stored is None:
        raise BadRequest([f"{PROFILE_FIELD} should not be empty"])
    try:
        yield ProfileUpload(auth, stored)
    except BaseException:
        receiver.abort()
        raise


def file_response(served: ServedFile) -> FileResponse:
    headers = dict(served.headers)
    if served.cache_control:
        headers["Cache-Control"] = served.cache_control
    return FileResponse(served.path, media_type=served.content_type, headers=headers)


@router.get("", operation_id="searchUsers", response_model=list[g.UserResponseDto])
def search_users(auth: Auth = authenticated(), svc: UserService = service(UserService)) -> list[g.UserResponseDto]:
    return svc.search(auth)


@router.get("/me", operation_id="getMyUser", response_model=g.UserAdminResponseDto)
def get_my_user(auth: Auth = authenticated(), svc: UserService = service(UserService)) -> g.UserAdminResponseDto:
    return svc.get_me(auth)


@router.put("/me", operation_id="updateMyUser", response_model=g.UserAdminResponseDto)
def update_my_user(
    dto: r.UserUpdateMeDto, auth: Auth = authenticated(), svc: UserService = service(UserService)
) -> g.UserAdminResponseDto:
    return svc.update_me(auth, dto)


@router.get("/me/license", operation_id="getUserLicense", response_model=r.LicenseResponseDto)
def get_user_license(auth: Auth = authenticated(), svc: UserService = service(UserService)) -> r.LicenseResponseDto:
    return svc.get_license(auth)


@router.put("/me/license", operation_id="setUserLicense", response_model=r.LicenseResponseDto)
def set_user_license(
    dto: r.LicenseKeyDto, auth: Auth = authenticated(), svc: UserService = service(UserService)
) -> r.LicenseResponseDto:
    return svc.set_license(auth, dto)


@router.delete("/me/license", operation_id="deleteUserLicense", status_code=200)
def delete_user_license(auth: Auth = authenticated(), svc: UserService = service(UserService)) -> None:
    svc.delete_license(auth)


@router.get("/me/preferences", operation_id="getMyPreferences", response_model=g.UserPreferencesResponseDto)
def get_my_preferences(
    auth: Auth = authenticated(), svc: UserService = service(UserService)
) -> g.UserPreferencesResponseDto:
    return svc.get_my_preferences(auth)


@router.put("/me/preferences", operation_id="updateMyPreferences", response_model=g.UserPreferencesResponseDto)
def update_my_preferences(
    dto: r.UserPreferencesUpdateDto, auth: Auth = authenticated(), svc: UserService = service(UserService)
) -> g.UserPreferencesResponseDto:
    return svc.update_my_preferences(auth, dto)


@router.post(
    "/profile-image",
    operation_id="createProfileImage",
    status_code=201,
    response_model=g.CreateProfileImageResponseDto,
    openapi_extra=PROFILE_IMAGE_BODY,
)
def create_profile_image(
    upload: ProfileUpload = Depends(receive_profile_image, scope="function"),
    svc: UserService = service(UserService),
) -> g.CreateProfileImageResponseDto:
    return svc.create_profile_image(upload.auth, upload.file)


@router.delete("/profile-image", operation_id="deleteProfileImage", status_code=204)
def delete_profile_image(auth: Auth = authenticated(), svc: UserService = service(UserService)) -> None:
    svc.delete_profile_image(auth)


@router.get("/{id}", operation_id="getUser", response_model=g.UserResponseDto)
def get_user(id: UUID, auth: Auth = authenticated(), svc: UserService = service(UserService)) -> g.UserResponseDto:
    return svc.get(id)


@router.get("/{id}/profile-image", operation_id="getProfileImage", response_class=FileResponse, responses=BINARY_ANSWER)
def get_profile_image(id: UUID, auth: Auth = authenticated(), svc: UserService = service(UserService)) -> FileResponse:
    return file_response(svc.get_profile_image(id))

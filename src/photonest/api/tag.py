"""Tags routes (`tag.controller.ts`)."""

from __future__ import annotations

from uuid import UUID

from photonest.api.deps import authenticated, service
from photonest.api.router import ApiRouter
from photonest.records import Auth
from photonest.schemas import generated as g
from photonest.schemas import tag as t
from photonest.services.tag import TagService

router = ApiRouter(prefix="/tags", tags=["Tags"])
P = g.Permission


@router.get("", operation_id="getAllTags", response_model=list[g.TagResponseDto])
def get_all_tags(
    auth: Auth = authenticated(P.TAG_READ), svc: TagService = service(TagService)
) -> list[g.TagResponseDto]:
    return svc.get_all(auth)


@router.post("", operation_id="createTag", status_code=201, response_model=g.TagResponseDto)
def create_tag(
    dto: t.TagCreateDto, auth: Auth = authenticated(P.TAG_CREATE), svc: TagService = service(TagService)
) -> g.TagResponseDto:
    return svc.create(auth, dto)


@router.put("", operation_id="upsertTags", response_model=list[g.TagResponseDto])
def upsert_tags(
    dto: t.TagUpsertDto, auth: Auth = authenticated(P.TAG_CREATE), svc: TagService = service(TagService)
) -> list[g.TagResponseDto]:
    return svc.upsert(auth, dto)


@router.put("/assets", operation_id="bulkTagAssets", response_model=g.TagBulkAssetsResponseDto)
def bulk_tag_assets(
    dto: g.TagBulkAssetsDto, auth: Auth = authenticated(P.TAG_ASSET), svc: TagService = service(TagService)
) -> g.TagBulkAssetsResponseDto:
    return svc.bulk_tag_assets(auth, dto)


@router.delete("/{id}", operation_id="deleteTag", status_code=204)
def delete_tag(id: UUID, auth: Auth = authenticated(P.TAG_DELETE), svc: TagService = service(TagService)) -> None:
    svc.remove(auth, id)


@router.get("/{id}", operation_id="getTagById", response_model=g.TagResponseDto)
def get_tag_by_id(
    id: UUID, auth: Auth = authenticated(P.TAG_READ), svc: TagService = service(TagService)
) -> g.TagResponseDto:
    return svc.get(auth, id)


@router.put("/{id}", operation_id="updateTag", response_model=g.TagResponseDto)
def update_tag(
    id: UUID, dto: t.TagUpdateDto, auth: Auth = authenticated(P.TAG_UPDATE), svc: TagService = service(TagService)
) -> g.TagResponseDto:
    return svc.update(auth, id, dto)


@router.delete("/{id}/assets", operation_id="untagAssets", response_model=list[g.BulkIdResponseDto])
def untag_assets(
    id: UUID, dto: g.BulkIdsDto, auth: Auth = authenticated(P.TAG_ASSET), svc: TagService = service(TagService)
) -> list[g.BulkIdResponseDto]:
    return svc.remove_assets(auth, id, dto)


@router.put("/{id}/assets", operation_id="tagAssets", response_model=list[g.BulkIdResponseDto])
def tag_assets(
    id: UUID, dto: g.BulkIdsDto, auth: Auth = authenticated(P.TAG_ASSET), svc: TagService = service(TagService)
) -> list[g.BulkIdResponseDto]:
    return svc.add_assets(auth, id, dto)

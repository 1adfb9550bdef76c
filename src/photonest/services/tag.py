"""Tags: create, list, change and delete the caller's tags, and tag assets (`tag.service.ts`)."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from uuid import UUID

from photonest.errors import BadRequest
from photonest.jobs.names import JobName, JobStatus
from photonest.records import Auth
from photonest.repositories import Repositories
from photonest.repositories.tag import Tag
from photonest.schemas import generated as g
from photonest.schemas import tag as t
from photonest.schemas.tag import map_tag
from photonest.services.access import check_access, require_access
from photonest.services.asset_set import add_assets, remove_assets
from photonest.services.base import BaseService

log = logging.getLogger(__name__)

P = g.Permission
E = g.Error1


class _TagAssets:
    """The assets of tags, as an `AssetSet`."""

    def __init__(self, repos: Repositories) -> None:
        self.tags = repos.tags

    def contained(self, parent_id: UUID, asset_ids: Iterable[UUID]) -> set[UUID]:
        return self.tags.tagged_asset_ids(parent_id, asset_ids)

    def add(self, parent_id: UUID, asset_ids: list[UUID]) -> None:
        self.tags.add_asset_ids(parent_id, asset_ids)

    def remove(self, parent_id: UUID, asset_ids: list[UUID]) -> None:
        self.tags.remove_asset_ids(parent_id, asset_ids)


class TagService(BaseService):
    """The caller's tags and the assets they carry."""

    def get_all(self, auth: Auth) -> list[g.TagResponseDto]:
        return [map_tag(found) for found in self.repos.tags.list_by_user(auth.user_id)]

    def get(self, auth: Auth, tag_id: UUID) -> g.TagResponseDto:
        require_access(self.repos, auth, P.TAG_READ, [tag_id])
        return map_tag(self._find(tag_id))

    def create(self, auth: Auth, dto: t.TagCreateDto) -> g.TagResponseDto:
        parent: Tag | None = None
        if dto.parent_id is not None:
            require_access(self.repos, auth, P.TAG_READ, [dto.parent_id])
            parent = self._find(dto.parent_id)
        value = f"{parent.value}/{dto.name}" if parent else dto.name
        if self.repos.tags.get_by_value(auth.user_id, value) is not None:
            raise BadRequest("A tag with that name already exists")
        tag_id = self.repos.tags.create(auth.user_id, value, parent.id if parent else None, dto.color)
        return map_tag(self._find(tag_id))

    def update(self, auth: Auth, tag_id: UUID, dto: t.TagUpdateDto) -> g.TagResponseDto:
        require_access(self.repos, auth, P.TAG_UPDATE, [tag_id])
        changes = {"color": dto.color} if "color" in dto.model_fields_set else {}
        return map_tag(self.repos.tags.update(tag_id, changes))

    def upsert(self, auth: Auth, dto: t.TagUpsertDto) -> list[g.TagResponseDto]:
        """Each path's leaf tag, creating the missing tags along the path."""
        leaves = []
        for path in dict.fromkeys(dto.tags):
            parent: Tag | None = None
            for part in [p for p in path.split("/") if p]:
                value = f"{parent.value}/{part}" if parent else part
                parent = self.repos.tags.upsert_value(auth.user_id, value, parent.id if parent else None)
            if parent is not None:
                leaves.append(map_tag(parent))
        return leaves

    def remove(self, auth: Auth, tag_id: UUID) -> None:
        require_access(self.repos, auth, P.TAG_DELETE, [tag_id])
        self.repos.tags.delete(tag_id)

    def bulk_tag_assets(self, auth: Auth, dto: g.TagBulkAssetsDto) -> g.TagBulkAssetsResponseDto:
        """Tag every allowed asset with every allowed tag; the count of new links."""
        tag_ids = check_access(self.repos, auth, P.TAG_ASSET, dto.tag_ids)
        asset_ids = check_access(self.repos, auth, P.ASSET_UPDATE, dto.asset_ids)
        pairs = [(tag_id, asset_id) for tag_id in tag_ids for asset_id in asset_ids]
        linked = self.repos.tags.upsert_asset_pairs(pairs)
        for asset_id in dict.fromkeys(asset_id for _, asset_id in linked):
            self._write_sidecar_tags(asset_id)
        return g.TagBulkAssetsResponseDto(count=len(linked))

    def add_assets(self, auth: Auth, tag_id: UUID, dto: g.BulkIdsDto) -> list[g.BulkIdResponseDto]:
        require_access(self.repos, auth, P.TAG_ASSET, [tag_id])
        results = add_assets(self.repos, auth, _TagAssets(self.repos), tag_id, dto.ids)
        self._write_sidecars(results)
        return results

    def remove_assets(self, auth: Auth, tag_id: UUID, dto: g.BulkIdsDto) -> list[g.BulkIdResponseDto]:
        require_access(self.repos, auth, P.TAG_ASSET, [tag_id])
        results = remove_assets(self.repos, auth, _TagAssets(self.repos), tag_id, dto.ids, P.TAG_DELETE)
        self._write_sidecars(results)
        return results

    def delete_empty_tags(self) -> JobStatus:
        """Delete the tags left on no asset, directly or through a descendant (the `tag-cleanup` job)."""
        deleted = self.repos.tags.delete_empty()
        if deleted:
            log.info("Deleted %d empty tags", deleted)
        return JobStatus.SUCCESS

    def _write_sidecars(self, results: list[g.BulkIdResponseDto]) -> None:
        for result in results:
            if result.success:
                self._write_sidecar_tags(UUID(result.id))

    def _write_sidecar_tags(self, asset_id: UUID) -> None:
        # Upstream's `asset.tag` / `asset.untag` events queue a sidecar write of the tag list.
        self.queue_job(JobName.SIDECAR_WRITE, {"id": str(asset_id), "tags": True})

    def _find(self, tag_id: UUID) -> Tag:
        found = self.repos.tags.get(tag_id)
        if found is None:
            raise BadRequest("Tag not found")
        return found

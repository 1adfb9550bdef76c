"""Stacks: group assets under a primary one (`stack.service.ts`)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from photonest.errors import BadRequest
from photonest.records import Auth
from photonest.repositories.stack import AssetWithExif, Stack
from photonest.schemas import generated as g
from photonest.schemas.asset import map_asset
from photonest.services.access import require_access
from photonest.services.base import BaseService

P = g.Permission
# Upstream sends the event without a payload: clients reload their stacks.
STACK_UPDATE_EVENT = "on_asset_stack_update"


class StackService(BaseService):
    """Creates, reads, changes and removes the caller's stacks."""

    def search(self, auth: Auth, primary_asset_id: UUID | None) -> list[g.StackResponseDto]:
        return self._map_many(auth, self.repos.stacks.search(auth.user_id, primary_asset_id))

    def create(self, auth: Auth, dto: g.StackCreateDto) -> g.StackResponseDto:
        """A new stack of the assets, the first one primary; stacks headed by any of them are merged into it."""
        require_access(self.repos, auth, P.ASSET_UPDATE, dto.asset_ids)
        merged = self.repos.stacks.ids_with_primary_in(auth.user_id, dto.asset_ids)
        members = set(dto.asset_ids) | (self.repos.stacks.member_ids(merged) if merged else set())
        if merged:
            self.repos.stacks.delete_many(merged)
        stack = self.repos.stacks.create(auth.user_id, dto.asset_ids[0])
        self.repos.stacks.add_assets(stack.id, members)
        self.emit(STACK_UPDATE_EVENT, str(auth.user_id))
        return self._map(auth, stack)

    def get(self, auth: Auth, stack_id: UUID) -> g.StackResponseDto:
        require_access(self.repos, auth, P.STACK_READ, [stack_id])
        return self._map(auth, self._find(stack_id), with_tags=True)

    def update(self, auth: Auth, stack_id: UUID, dto: g.StackUpdateDto) -> g.StackResponseDto:
        require_access(self.repos, auth, P.STACK_UPDATE, [stack_id])
        stack = self._find(stack_id)
        if dto.primary_asset_id is not None:
            members = self.repos.stacks.list_members([stack_id])[stack_id]
            if all(m.asset.id != dto.primary_asset_id for m in members):
                raise BadRequest("Primary asset must be in the stack")
            stack = self.repos.stacks.set_primary(stack_id, dto.primary_asset_id)
        self.emit(STACK_UPDATE_EVENT, str(auth.user_id))
        return self._map(auth, stack, with_tags=True)

    def delete(self, auth: Auth, stack_id: UUID) -> None:
        require_access(self.repos, auth, P.STACK_DELETE, [stack_id])
        self.repos.stacks.delete_many([stack_id])
        self.emit(STACK_UPDATE_EVENT, str(auth.user_id))

    def delete_all(self, auth: Auth, dto: g.BulkIdsDto) -> None:
        require_access(self.repos, auth, P.STACK_DELETE, dto.ids)
        self.repos.stacks.delete_many(dto.ids)
        self.emit(STACK_UPDATE_EVENT, str(auth.user_id))

    def _find(self, stack_id: UUID) -> Stack:
        stack = self.repos.stacks.get(stack_id)
        if stack is None:
            raise BadRequest("Asset stack not found")
        return stack

    def _map(self, auth: Auth, stack: Stack, *, with_tags: bool = False) -> g.StackResponseDto:
        return self._map_many(auth, [stack], with_tags=with_tags)[0]

    def _map_many(self, auth: Auth, stacks: list[Stack], *, with_tags: bool = False) -> list[g.StackResponseDto]:
        members = self.repos.stacks.list_members([s.id for s in stacks])
        tags = self.repos.stacks.tags_by_asset(m.asset.id for ms in members.values() for m in ms) if with_tags else None
        return [
            g.StackResponseDto(
                id=str(stack.id),
                primary_asset_id=str(stack.primary_asset_id),
                assets=[self._map_asset(auth, m, tags) for m in members[stack.id]],
            )
            for stack in stacks
        ]

    @staticmethod
    def _map_asset(
        auth: Auth, member: AssetWithExif, tags: dict[UUID, list[dict[str, Any]]] | None
    ) -> g.AssetResponseDto:
        """The member as AssetResponseDto; with `tags` (only read by get and update, as upstream) its tag list."""
        response = map_asset(member.asset, auth_user_id=auth.user_id, exif=member.exif)
        if tags is not None:
            response.tags = [map_tag(t) for t in tags.get(member.asset.id, [])]
        return response


def map_tag(row: dict[str, Any]) -> g.TagResponseDto:
    """A `tag` row as upstream's `mapTag`: the name is the last part of its value."""
    value = str(row["value"])
    response = g.TagResponseDto.model_validate(
        {
            "id": str(row["id"]),
            "name": value.split("/")[-1],
            "value": value,
            "createdAt": row["created_at"],
            "updatedAt": row["updated_at"],
        }
    )
    if row.get("parent_id") is not None:
        response.parent_id = str(row["parent_id"])
    if row.get("color") is not None:
        response.color = str(row["color"])
    return response

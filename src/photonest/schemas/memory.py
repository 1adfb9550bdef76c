"""Memory request models with upstream's validation and the memory response mapping (`dtos/memory.dto.ts`)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from photonest.records import Asset, Memory
from photonest.schemas import generated as g
from photonest.schemas.asset import map_asset
from photonest.schemas.types import IsoDateTime


class MemorySearchDto(BaseModel):
    """The query parameters of `GET /memories`."""

    model_config = ConfigDict(populate_by_name=True)

    for_: Annotated[IsoDateTime | None, Field(alias="for")] = None
    is_saved: Annotated[bool | None, Field(alias="isSaved")] = None
    is_trashed: Annotated[bool | None, Field(alias="isTrashed")] = None
    type: g.MemoryType | None = None


class OnThisDayDto(g.OnThisDayDto):
    # Upstream: `@IsInt() @IsPositive()`.
    year: Annotated[int, Field(ge=1, json_schema_extra={"type": "number", "minimum": 1})]


class MemoryCreateDto(g.MemoryCreateDto):
    data: OnThisDayDto


def map_memory(found: Memory, assets: list[Asset], auth_user_id: object) -> g.MemoryResponseDto:
    """The memory as upstream's `mapMemory`: null dates are left out, assets without EXIF."""
    response = g.MemoryResponseDto(
        id=str(found.id),
        owner_id=str(found.owner_id),
        type=g.MemoryType(found.type),
        data=g.OnThisDayDto.model_validate(found.data),
        is_saved=found.is_saved,
        memory_at=found.memory_at,
        created_at=found.created_at,
        updated_at=found.updated_at,
        assets=[map_asset(a, auth_user_id=auth_user_id) for a in assets],
    )
    for name in ("deleted_at", "seen_at", "show_at", "hide_at"):
        value = getattr(found, name)
        if value is not None:
            setattr(response, name, value)
    return response

"""Asset search: the filters shared by metadata, smart and random search, and their queries (`search.repository.ts`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement

from photonest.db.tables import asset
from photonest.repositories.base import Repository


@dataclass(frozen=True)
class SearchFilters:
    """Every asset filter of `MetadataSearchDto`/`SmartSearchDto`/`RandomSearchDto`, plus the owners searched."""

    owner_ids: Sequence[UUID]
    values: dict[str, Any]  # snake_case DTO field -> value, only the fields the caller set (None meaning "IS NULL")

    @classmethod
    def from_dto(cls, dto: Any, owner_ids: Sequence[UUID]) -> SearchFilters:
        """The filters a request DTO sets."""
        return cls(owner_ids=list(owner_ids), values={name: getattr(dto, name) for name in dto.model_fields_set})


def asset_conditions(filters: SearchFilters) -> list[ColumnElement[bool]]:
    """WHERE conditions on `asset` for these filters (other tables are reached through sub-queries)."""
    return [asset.c.owner_id.in_(list(filters.owner_ids))]


class SearchRepository(Repository):
    """Metadata search, suggestions, cities and explore."""

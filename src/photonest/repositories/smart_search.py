"""CLIP embeddings and the nearest-neighbour queries over them (`search.repository.ts`, smart search part)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import numpy as np
from sqlalchemy import ColumnElement, and_, bindparam, delete, exists, func, select

from photonest.db.dialects import postgres
from photonest.db.dialects.expressions import cosine_distance
from photonest.db.tables import asset, asset_exif, asset_file, asset_job_status, smart_search
from photonest.db.types import Embedding
from photonest.records import Asset
from photonest.repositories.base import Repository, prefixed, unprefixed

# Upstream's searchDuplicates limit.
DUPLICATE_CANDIDATES = 64
# How many nearest vectors SQLite filters before falling back to a filtered scan.
SQLITE_CANDIDATE_POOL = 2000


@dataclass(frozen=True)
class DuplicateCandidate:
    """An asset close enough to be a duplicate, with its current group."""

    asset_id: UUID
    duplicate_id: UUID | None
    distance: float


class SmartSearchRepository(Repository):
    """Embeddings per asset, ranked search and duplicate candidates."""

    @property
    def _postgres(self) -> bool:
        return self.db.dialect.name == "postgresql"

    def save(self, asset_id: UUID, embedding: Any) -> None:
        """Insert or replace the asset's embedding."""
        # An untyped vector bind: the column's declared size may differ from the model's until it is resized.
        value = bindparam("embedding", np.asarray(embedding, dtype=np.float32), type_=Embedding())
        insert = self.upsert(smart_search).values(asset_id=asset_id, embedding=value)
        self.execute(insert.on_conflict_do_update(index_elements=["asset_id"], set_={"embedding": value}))

    def get_embedding(self, asset_id: UUID) -> np.ndarray[Any, np.dtype[np.float32]] | None:
        row = self.execute(select(smart_search.c.embedding).where(smart_search.c.asset_id == asset_id)).first()
        return None if row is None else np.asarray(row[0], dtype=np.float32)

    def dimensions(self) -> int | None:
        """The stored vectors' size: the column's declared size on PostgreSQL, any stored row's on SQLite."""
        if self._postgres:
            size = self.execute(postgres.vector_column_size("smart_search", "embedding")).scalar()
            return int(size) if size is not None and int(size) > 0 else None
        size = self.execute(select(func.length(smart_search.c.embedding) / 4).limit(1)).scalar()
        return int(size) if size is not None else None

    def set_dimensions(self, size: int) -> None:
        """Drop every embedding and make the column hold vectors of `size` (as upstream's setDimensionSize)."""
        self.execute(delete(smart_search))
        if self._postgres:
            for statement in postgres.resize_vector_column("smart_search", "embedding", "clip_index", size):
                self.execute(statement)

    def delete_all(self) -> None:
        self.execute(delete(smart_search))

    def search(
        self, embedding: Any, conditions: Sequence[ColumnElement[bool]], limit: int, offset: int
    ) -> list[tuple[Asset, dict[str, Any] | None]]:
        """Assets matching the conditions, nearest embedding first, each with its EXIF row."""
        distance = cosine_distance(self.db.dialect.name, smart_search.c.embedding, embedding)
        if self._postgres:
            # With filters the HNSW scan can stop before it finds enough matching rows: widen it and let
            # pgvector (>= 0.8) keep scanning until the page is full.
            self.execute(postgres.widen_hnsw_scan(max(100, min(1000, 2 * (limit + offset)))))
            ranked = (
                select(smart_search.c.asset_id)
                .join(asset, asset.c.id == smart_search.c.asset_id)
                .where(*conditions)
                .order_by(distance)
                .limit(limit)
                .offset(offset)
            )
            ids = list(self.execute(ranked).scalars())
        else:
            ids = self._sqlite_ranked_ids(distance, conditions, limit, offset)
        return self._with_exif(ids)

    def _sqlite_ranked_ids(
        self, distance: ColumnElement[float], conditions: Sequence[ColumnElement[bool]], limit: int, offset: int
    ) -> list[UUID]:
        # sqlite-vec has no index: every vector is compared either way. Filtering the nearest few thousand
        # vectors first avoids probing `asset` for every row; it is exact whenever enough of them pass the
        # filters (the rest are all farther away), and otherwise the filtered scan answers.
        wanted = limit + offset
        pool = max(SQLITE_CANDIDATE_POOL, 4 * wanted)
        nearest = select(smart_search.c.asset_id, distance.label("distance")).order_by(distance).limit(pool).subquery()
        candidates = (
            select(nearest.c.asset_id, asset.c.id.label("eligible"))
            .select_from(nearest.outerjoin(asset, and_(asset.c.id == nearest.c.asset_id, *conditions)))
            .order_by(nearest.c.distance)
        )
        rows = self.execute(candidates).all()
        eligible = [row.asset_id for row in rows if row.eligible is not None]
        if len(eligible) >= wanted or len(rows) < pool:
            return eligible[offset:wanted]
        ranked = (
            select(smart_search.c.asset_id)
            .join(asset, asset.c.id == smart_search.c.asset_id)
            .where(*conditions)
            .order_by(distance)
            .limit(limit)
            .offset(offset)
        )
        return list(self.execute(ranked).scalars())

    def _with_exif(self, ids: Sequence[UUID]) -> list[tuple[Asset, dict[str, Any] | None]]:
        if not ids:
            return []
        query = (
            select(asset, *prefixed(asset_exif, "exif__"))
            .select_from(asset.outerjoin(asset_exif, asset_exif.c.asset_id == asset.c.id))
            .where(asset.c.id.in_(list(ids)))
        )
        by_id: dict[UUID, tuple[Asset, dict[str, Any] | None]] = {}
        for row in self.execute(query):
            exif = unprefixed(row, "exif__")
            record = Asset.from_row(row)
            by_id[record.id] = (record, exif if exif["asset_id"] is not None else None)
        return [by_id[i] for i in ids if i in by_id]

    def duplicate_candidates(
        self, asset_id: UUID, embedding: Any, owner_id: UUID, type_: str, max_distance: float
    ) -> list[DuplicateCandidate]:
        """The owner's other visible, untrashed, unstacked assets of the same type within `max_distance`."""
        distance = cosine_distance(self.db.dialect.name, smart_search.c.embedding, embedding).label("distance")
        inner = (
            select(asset.c.id, asset.c.duplicate_id, distance)
            .select_from(smart_search.join(asset, asset.c.id == smart_search.c.asset_id))
            .where(
                asset.c.owner_id == owner_id,
                asset.c.id != asset_id,
                asset.c.deleted_at.is_(None),
                asset.c.visibility != "hidden",
                asset.c.stack_id.is_(None),
                asset.c.type == type_,
            )
            .order_by(distance)
            .limit(DUPLICATE_CANDIDATES)
            .subquery()
        )
        rows = self.execute(select(inner).where(inner.c.distance <= max_distance).order_by(inner.c.distance))
        return [DuplicateCandidate(row.id, row.duplicate_id, float(row.distance)) for row in rows]

    def ids_to_encode(self, *, force: bool) -> list[UUID]:
        """Visible, untrashed assets with a preview; without `force` only those lacking an embedding."""
        has_preview = exists().where(asset_file.c.asset_id == asset.c.id, asset_file.c.type == "preview")
        query = select(asset.c.id).where(asset.c.deleted_at.is_(None), asset.c.visibility != "hidden", has_preview)
        if not force:
            query = query.where(~exists().where(smart_search.c.asset_id == asset.c.id))
        return list(self.execute(query.order_by(asset.c.created_at)).scalars())

    def ids_to_deduplicate(self, *, force: bool) -> list[UUID]:
        """Visible, untrashed, unstacked assets with an embedding; without `force` only those not checked yet."""
        query = select(asset.c.id).where(
            asset.c.deleted_at.is_(None),
            asset.c.visibility != "hidden",
            asset.c.stack_id.is_(None),
            exists().where(smart_search.c.asset_id == asset.c.id),
        )
        if not force:
            checked = exists().where(
                asset_job_status.c.asset_id == asset.c.id, asset_job_status.c.duplicates_detected_at.is_not(None)
            )
            query = query.where(~checked)
        return list(self.execute(query.order_by(asset.c.created_at)).scalars())

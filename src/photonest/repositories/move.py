"""Moves in progress (upstream `server/src/repositories/move.repository.ts`)."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import delete, select

from photonest.db.tables import asset, move_history
from photonest.records import Move
from photonest.repositories.base import Repository


class MoveRepository(Repository):
    """SQL for `move_history`: one row per file being moved, removed once the move is saved."""

    def create(self, entity_id: UUID, path_type: str, old_path: str, new_path: str) -> Move | None:
        """Record a move; None when the file or the target path already has one (another move holds them)."""
        values = {"entity_id": entity_id, "path_type": path_type, "old_path": old_path, "new_path": new_path}
        statement = self.upsert(move_history).values(**values).on_conflict_do_nothing().returning(move_history)
        row = self.execute(statement).first()
        return Move.from_row(row) if row else None

    def get_by_entity(self, entity_id: UUID, path_type: str) -> Move | None:
        query = select(move_history).where(move_history.c.entity_id == entity_id, move_history.c.path_type == path_type)
        row = self.execute(query).first()
        return Move.from_row(row) if row else None

    def delete(self, move_id: UUID) -> None:
        self.execute(delete(move_history).where(move_history.c.id == move_id))

    def delete_orphans(self, path_types: tuple[str, ...]) -> None:
        """Forget moves of assets that no longer exist (upstream `cleanMoveHistory`)."""
        gone = ~select(asset.c.id).where(asset.c.id == move_history.c.entity_id).exists()
        statement = delete(move_history).where(move_history.c.path_type.in_(path_types), gone)
        self.execute(statement)

"""API keys."""

from __future__ import annotations

from functools import cache
from typing import Any
from uuid import UUID

from sqlalchemy import Select, bindparam, delete, insert, select, update

from photonest.db.tables import api_key, user
from photonest.records import ApiKey, User
from photonest.repositories.base import Repository, prefixed, unprefixed


class ApiKeyRepository(Repository):
    """SQL for the `api_key` table."""

    def create(self, values: dict[str, Any]) -> ApiKey:
        return ApiKey.from_row(self.execute(insert(api_key).values(**values).returning(api_key)).one())

    def get_by_key(self, key_hash: str) -> tuple[ApiKey, User] | None:
        """The key with this hash and its (not deleted) user."""
        row = self.execute(_key_with_user(), {"key_hash": key_hash}).first()
        if row is None:
            return None
        return ApiKey.from_row(row), User(**unprefixed(row, "user__"))

    def get(self, user_id: UUID, key_id: UUID) -> ApiKey | None:
        row = self.execute(select(api_key).where(api_key.c.id == key_id, api_key.c.user_id == user_id)).first()
        return ApiKey.from_row(row) if row else None

    def list_by_user(self, user_id: UUID) -> list[ApiKey]:
        query = select(api_key).where(api_key.c.user_id == user_id).order_by(api_key.c.created_at.desc())
        return [ApiKey.from_row(r) for r in self.execute(query)]

    def update(self, key_id: UUID, values: dict[str, Any]) -> ApiKey:
        statement = update(api_key).where(api_key.c.id == key_id).values(**values).returning(api_key)
        return ApiKey.from_row(self.execute(statement).one())

    def delete(self, key_id: UUID) -> None:
        self.execute(delete(api_key).where(api_key.c.id == key_id))


@cache
def _key_with_user() -> Select[Any]:
    # Built once: every API-key request runs it, and building the statement costs more than running it.
    query = select(api_key, *prefixed(user, "user__")).join(user, user.c.id == api_key.c.user_id)
    return query.where(api_key.c.key == bindparam("key_hash"), user.c.deleted_at.is_(None))

"""Login sessions."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from functools import cache
from typing import Any
from uuid import UUID

from sqlalchemy import Select, and_, bindparam, delete, insert, or_, select, update

from photonest.db.tables import session, user
from photonest.db.types import utcnow
from photonest.records import Session, User
from photonest.repositories.base import Repository, prefixed, unprefixed


class SessionRepository(Repository):
    """SQL for the `session` table."""

    def create(self, values: dict[str, Any]) -> Session:
        return Session.from_row(self.execute(insert(session).values(**values).returning(session)).one())

    def get_by_token(self, token_hash: str) -> tuple[Session, User] | None:
        """The unexpired session with this token and its (not deleted) user."""
        row = self.execute(_session_with_user(), {"token_hash": token_hash, "now": utcnow()}).first()
        if row is None:
            return None
        return Session.from_row(row), User(**unprefixed(row, "user__"))

    def get(self, session_id: UUID) -> Session | None:
        row = self.execute(select(session).where(session.c.id == session_id)).first()
        return Session.from_row(row) if row else None

    def list_by_user(self, user_id: UUID) -> list[Session]:
        query = select(session).where(session.c.user_id == user_id).order_by(session.c.updated_at.desc())
        return [Session.from_row(r) for r in self.execute(query)]

    def list_ids_owned(self, user_id: UUID, ids: Iterable[UUID]) -> set[UUID]:
        """Which of these sessions belong to the user."""
        query = select(session.c.id).where(session.c.user_id == user_id, session.c.id.in_(list(ids)))
        return set(self.execute(query).scalars())

    def update(self, session_id: UUID, values: dict[str, Any]) -> Session:
        statement = update(session).where(session.c.id == session_id).values(**values).returning(session)
        return Session.from_row(self.execute(statement).one())

    def lock_all(self, user_id: UUID) -> None:
        self.execute(update(session).where(session.c.user_id == user_id).values(pin_expires_at=None))

    def delete(self, session_id: UUID) -> None:
        self.execute(delete(session).where(session.c.id == session_id))

    def list_descendant_ids(self, session_id: UUID) -> list[UUID]:
        """The sessions created from this one, at any depth (the foreign key's cascade removes them with it)."""
        tree = select(session.c.id).where(session.c.parent_id == session_id).cte("tree", recursive=True)
        tree = tree.union_all(select(session.c.id).join(tree, session.c.parent_id == tree.c.id))
        return list(self.execute(select(tree.c.id)).scalars())

    def delete_all_except(self, user_id: UUID, keep: UUID | None) -> list[UUID]:
        condition = and_(session.c.user_id == user_id, session.c.id != keep) if keep else session.c.user_id == user_id
        return list(self.execute(delete(session).where(condition).returning(session.c.id)).scalars())

    def delete_expired(self, now: datetime) -> list[UUID]:
        statement = delete(session).where(session.c.expires_at.is_not(None), session.c.expires_at <= now)
        return list(self.execute(statement.returning(session.c.id)).scalars())


@cache
def _session_with_user() -> Select[Any]:
    # Built once: every session request runs it, and building the statement costs more than running it.
    return (
        select(session, *prefixed(user, "user__"))
        .join(user, user.c.id == session.c.user_id)
        .where(
            session.c.token == bindparam("token_hash"),
            user.c.deleted_at.is_(None),
            or_(session.c.expires_at.is_(None), session.c.expires_at > bindparam("now")),
        )
    )

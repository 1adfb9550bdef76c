"""Sessions: list, create child sessions, log devices out and lock them (`session.service.ts`)."""

from __future__ import annotations

import logging
from datetime import timedelta
from uuid import UUID

from photonest.crypto import hash_token, random_token
from photonest.db.types import utcnow
from photonest.errors import BadRequest
from photonest.records import Auth, Session
from photonest.schemas import generated as g
from photonest.schemas import requests as r
from photonest.schemas.types import to_iso
from photonest.services.access import require_access
from photonest.services.base import BaseService

log = logging.getLogger(__name__)

SESSION_DELETE_EVENT = "on_session_delete"


def map_session(session: Session, current_id: UUID | None = None) -> g.SessionResponseDto:
    """The session as upstream's `mapSession` answers it: dates as ISO strings, `expiresAt` only when set."""
    dto = g.SessionResponseDto(
        id=str(session.id),
        created_at=to_iso(session.created_at),
        updated_at=to_iso(session.updated_at),
        current=session.id == current_id,
        device_os=session.device_os,
        device_type=session.device_type,
    )
    if session.expires_at is not None:
        dto.expires_at = to_iso(session.expires_at)
    return dto


class SessionService(BaseService):
    """The caller's login sessions."""

    def get_all(self, auth: Auth) -> list[g.SessionResponseDto]:
        current = auth.session.id if auth.session else None
        return [map_session(s, current) for s in self.repos.sessions.list_by_user(auth.user_id)]

    def create(self, auth: Auth, dto: r.SessionCreateDto) -> g.SessionCreateResponseDto:
        """A child session of the caller's session (used to hand a login to another device, e.g. for casting)."""
        if auth.session is None:
            raise BadRequest("This endpoint can only be used with a session token")
        token = random_token()
        values: dict[str, object] = {"token": hash_token(token), "user_id": auth.user_id, "parent_id": auth.session.id}
        if dto.duration:
            values["expires_at"] = utcnow() + timedelta(seconds=dto.duration)
        if dto.device_type is not None:
            values["device_type"] = dto.device_type
        if dto.device_os is not None:
            values["device_os"] = dto.device_os
        session = self.repos.sessions.create(values)
        return g.SessionCreateResponseDto(**map_session(session).model_dump(exclude_unset=True), token=token)

    def delete(self, auth: Auth, session_id: UUID) -> None:
        require_access(self.repos, auth, g.Permission.AUTH_DEVICE_DELETE, [session_id])
        children = self.repos.sessions.list_descendant_ids(session_id)
        self.repos.sessions.delete(session_id)
        self._announce_deleted([session_id, *children])

    def delete_all(self, auth: Auth) -> None:
        """Log out every other device of the caller."""
        keep = auth.session.id if auth.session else None
        self._announce_deleted(self.repos.sessions.delete_all_except(auth.user_id, keep))

    def lock(self, auth: Auth, session_id: UUID) -> None:
        require_access(self.repos, auth, g.Permission.SESSION_LOCK, [session_id])
        self.repos.sessions.update(session_id, {"pin_expires_at": None})

    def clean_expired(self) -> None:
        """Delete the sessions whose `expiresAt` has passed (upstream's clean-old-session-tokens job)."""
        deleted = self.repos.sessions.delete_expired(utcnow())
        self._announce_deleted(deleted)
        log.info("Deleted %d expired session tokens", len(deleted))

    def _announce_deleted(self, session_ids: list[UUID]) -> None:
        # Clients of a deleted session sit in the room named after it; they log out when told.
        for session_id in session_ids:
            self.emit(SESSION_DELETE_EVENT, str(session_id), str(session_id))

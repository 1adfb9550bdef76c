"""In-app notifications of the caller: list, read, mark read and delete (`notification.service.ts`)."""

from __future__ import annotations

from uuid import UUID

from photonest.db.types import utcnow
from photonest.errors import BadRequest
from photonest.records import Auth, Notification
from photonest.schemas import generated as g
from photonest.services.access import require_access
from photonest.services.base import BaseService


def map_notification(item: Notification) -> g.NotificationDto:
    """The notification as upstream's `mapNotification` answers it: empty optional fields are left out."""
    dto = g.NotificationDto(
        id=str(item.id),
        created_at=item.created_at,
        level=g.NotificationLevel(item.level),
        type=g.NotificationType(item.type),
        title=item.title,
    )
    if item.description is not None:
        dto.description = item.description
    if item.data is not None:
        dto.data = item.data
    if item.read_at is not None:
        dto.read_at = item.read_at
    return dto


class NotificationService(BaseService):
    """The caller's notifications; every id is checked against its owner first."""

    def search(
        self,
        auth: Auth,
        *,
        notification_id: UUID | None = None,
        level: g.NotificationLevel | None = None,
        type_: g.NotificationType | None = None,
        unread: bool | None = None,
    ) -> list[g.NotificationDto]:
        items = self.repos.notifications.search(
            auth.user_id,
            notification_id=notification_id,
            level=level.value if level else None,
            type_=type_.value if type_ else None,
            unread=unread,
        )
        return [map_notification(item) for item in items]

    def get(self, auth: Auth, notification_id: UUID) -> g.NotificationDto:
        require_access(self.repos, auth, g.Permission.NOTIFICATION_READ, [notification_id])
        item = self.repos.notifications.get(notification_id)
        if item is None:
            raise BadRequest("Notification not found")
        return map_notification(item)

    def update(self, auth: Auth, notification_id: UUID, dto: g.NotificationUpdateDto) -> g.NotificationDto:
        require_access(self.repos, auth, g.Permission.NOTIFICATION_UPDATE, [notification_id])
        values = {"read_at": dto.read_at} if "read_at" in dto.model_fields_set else {}
        if not values:
            return self.get(auth, notification_id)
        return map_notification(self.repos.notifications.update(notification_id, values))

    def update_all(self, auth: Auth, dto: g.NotificationUpdateAllDto) -> None:
        ids = require_access(self.repos, auth, g.Permission.NOTIFICATION_UPDATE, dto.ids)
        if ids and "read_at" in dto.model_fields_set:
            self.repos.notifications.update_many(ids, {"read_at": dto.read_at})

    def delete(self, auth: Auth, notification_id: UUID) -> None:
        require_access(self.repos, auth, g.Permission.NOTIFICATION_DELETE, [notification_id])
        self.repos.notifications.soft_delete_many([notification_id], utcnow())

    def delete_all(self, auth: Auth, dto: g.NotificationDeleteAllDto) -> None:
        ids = require_access(self.repos, auth, g.Permission.NOTIFICATION_DELETE, dto.ids)
        if ids:
            self.repos.notifications.soft_delete_many(ids, utcnow())

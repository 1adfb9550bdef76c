"""Notifications routes (`notification.controller.ts`)."""

from __future__ import annotations

from uuid import UUID

from photonest.api.deps import authenticated, service
from photonest.api.router import ApiRouter
from photonest.records import Auth
from photonest.schemas import generated as g
from photonest.services.notification import NotificationService

router = ApiRouter(prefix="/notifications", tags=["Notifications"])
P = g.Permission


@router.get("", operation_id="getNotifications", response_model=list[g.NotificationDto])
def get_notifications(
    id: UUID | None = None,
    level: g.NotificationLevel | None = None,
    type: g.NotificationType | None = None,
    unread: bool | None = None,
    auth: Auth = authenticated(P.NOTIFICATION_READ),
    svc: NotificationService = service(NotificationService),
) -> list[g.NotificationDto]:
    return svc.search(auth, notification_id=id, level=level, type_=type, unread=unread)


@router.put("", operation_id="updateNotifications", status_code=200)
def update_notifications(
    dto: g.NotificationUpdateAllDto,
    auth: Auth = authenticated(P.NOTIFICATION_UPDATE),
    svc: NotificationService = service(NotificationService),
) -> None:
    svc.update_all(auth, dto)


@router.delete("", operation_id="deleteNotifications", status_code=200)
def delete_notifications(
    dto: g.NotificationDeleteAllDto,
    auth: Auth = authenticated(P.NOTIFICATION_DELETE),
    svc: NotificationService = service(NotificationService),
) -> None:
    svc.delete_all(auth, dto)


@router.get("/{id}", operation_id="getNotification", response_model=g.NotificationDto)
def get_notification(
    id: UUID, auth: Auth = authenticated(P.NOTIFICATION_READ), svc: NotificationService = service(NotificationService)
) -> g.NotificationDto:
    return svc.get(auth, id)


@router.put("/{id}", operation_id="updateNotification", response_model=g.NotificationDto)
def update_notification(
    id: UUID,
    dto: g.NotificationUpdateDto,
    auth: Auth = authenticated(P.NOTIFICATION_UPDATE),
    svc: NotificationService = service(NotificationService),
) -> g.NotificationDto:
    return svc.update(auth, id, dto)


@router.delete("/{id}", operation_id="deleteNotification", status_code=200)
def delete_notification(
    id: UUID, auth: Auth = authenticated(P.NOTIFICATION_DELETE), svc: NotificationService = service(NotificationService)
) -> None:
    svc.delete(auth, id)

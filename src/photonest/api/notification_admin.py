"""Notifications (Admin) routes (`notification-admin.controller.ts`)."""

from __future__ import annotations

from photonest.api.deps import authenticated, service
from photonest.api.router import ApiRouter
from photonest.records import Auth
from photonest.schemas import generated as g
from photonest.services.notification_admin import NotificationAdminService

router = ApiRouter(prefix="/admin/notifications", tags=["Notifications (Admin)"])


@router.post("", operation_id="createNotification", status_code=201, response_model=g.NotificationDto)
def create_notification(
    dto: g.NotificationCreateDto,
    auth: Auth = authenticated(admin=True),
    svc: NotificationAdminService = service(NotificationAdminService),
) -> g.NotificationDto:
    return svc.create(auth, dto)


@router.post("/test-email", operation_id="sendTestEmailAdmin", status_code=200, response_model=g.TestEmailResponseDto)
def send_test_email_admin(
    dto: g.SystemConfigSmtpDto,
    auth: Auth = authenticated(admin=True),
    svc: NotificationAdminService = service(NotificationAdminService),
) -> g.TestEmailResponseDto:
    return svc.send_test_email(auth, dto)


@router.post(
    "/templates/{name}",
    operation_id="getNotificationTemplateAdmin",
    status_code=200,
    response_model=g.TemplateResponseDto,
)
def get_notification_template_admin(
    name: str,
    dto: g.TemplateDto,
    auth: Auth = authenticated(admin=True),
    svc: NotificationAdminService = service(NotificationAdminService),
) -> g.TemplateResponseDto:
    return svc.get_template(name, dto)

"""Admin tools: send notifications, test SMTP settings, preview email templates (`notification-admin.service.ts`)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from photonest.errors import BadRequest, Unauthorized
from photonest.mail.render import EmailTemplate, render_email
from photonest.mail.smtp import EmailError, EmailSender, OutgoingEmail, SmtpEmailSender, SmtpTransport
from photonest.records import Auth
from photonest.schemas import generated as g
from photonest.services.base import BaseService, ServiceContext
from photonest.services.notification import map_notification

log = logging.getLogger(__name__)
T = TypeVar("T")

NOTIFICATION_EVENT = "on_notification"
TEST_EMAIL_SUBJECT = "Test email from Immich"
# Upstream's fallback for links in emails when `server.externalDomain` is empty.
DEFAULT_EXTERNAL_DOMAIN = "https://my.immich.app"

# Sample values shown by the template previews (as upstream's `getTemplate`).
PREVIEW_DATA: dict[EmailTemplate, dict[str, str]] = {
    EmailTemplate.WELCOME: {"displayName": "John Doe", "username": "john@doe.com", "password": "thisIsAPassword123"},
    EmailTemplate.ALBUM_INVITE: {
        "albumId": "1",
        "albumName": "John Doe's Favorites",
        "senderName": "John Doe",
        "recipientName": "Jane Doe",
    },
    EmailTemplate.ALBUM_UPDATE: {"albumId": "1", "albumName": "Favorite Photos", "recipientName": "Jane Doe"},
}
CONFIG_TEMPLATE_KEYS = {
    EmailTemplate.WELCOME: "welcomeTemplate",
    EmailTemplate.ALBUM_INVITE: "albumInviteTemplate",
    EmailTemplate.ALBUM_UPDATE: "albumUpdateTemplate",
}


class NotificationAdminService(BaseService):
    """Notifications and email, for admins."""

    def __init__(self, ctx: ServiceContext, mailer: EmailSender | None = None) -> None:
        super().__init__(ctx)
        self.mailer: EmailSender = mailer or SmtpEmailSender()

    def create(self, auth: Auth, dto: g.NotificationCreateDto) -> g.NotificationDto:
        """Store a notification for a user and push it to their open clients."""
        if self.repos.users.get(dto.user_id) is None:
            raise BadRequest("User not found")
        values: dict[str, object] = {
            "user_id": dto.user_id,
            "type": (dto.type or g.NotificationType.CUSTOM).value,
            "level": (dto.level or g.NotificationLevel.INFO).value,
            "title": dto.title,
            "description": dto.description,
            "data": dto.data,
        }
        if dto.read_at is not None:
            values["read_at"] = dto.read_at
        result = map_notification(self.repos.notifications.create(values))
        payload = result.model_dump(mode="json", by_alias=True, exclude_unset=True)
        self.emit(NOTIFICATION_EVENT, str(dto.user_id), payload)
        return result

    def send_test_email(self, auth: Auth, dto: g.SystemConfigSmtpDto) -> g.TestEmailResponseDto:
        """Send a test email to the admin with the SMTP settings in the body, before they are saved."""
        user = self.repos.users.get(auth.user_id)
        if user is None:
            raise Unauthorized()
        transport = SmtpTransport(
            host=dto.transport.host,
            port=int(dto.transport.port),
            username=dto.transport.username,
            password=dto.transport.password,
            ignore_cert=dto.transport.ignore_cert,
        )
        self._run(lambda: self.mailer.verify(transport), "Failed to verify SMTP configuration")
        rendered = render_email(
            EmailTemplate.TEST_EMAIL, {"baseUrl": self._base_url(), "displayName": user.name}, custom_template=""
        )
        email = OutgoingEmail(
            to=user.email,
            sender=dto.from_,
            reply_to=dto.reply_to or dto.from_,
            subject=TEST_EMAIL_SUBJECT,
            html=rendered.html,
            text=rendered.text,
        )
        message_id = self._run(lambda: self.mailer.send(transport, email), "Failed to send test email")
        return g.TestEmailResponseDto(message_id=message_id)

    def get_template(self, name: str, dto: g.TemplateDto) -> g.TemplateResponseDto:
        """A preview of an email template with sample values; the body's or the saved custom template wins."""
        try:
            template = EmailTemplate(name)
        except ValueError:
            template = None
        if template is None or template not in PREVIEW_DATA:
            # Upstream answers names it does not preview with an empty document.
            return g.TemplateResponseDto(name=name, html="")
        saved = self.get_config()["templates"]["email"].get(CONFIG_TEMPLATE_KEYS[template], "")
        data = {**PREVIEW_DATA[template], "baseUrl": self._base_url()}
        rendered = render_email(template, data, custom_template=dto.template or saved)
        return g.TemplateResponseDto(name=name, html=rendered.html)

    def _base_url(self) -> str:
        domain: str = self.get_config()["server"]["externalDomain"]
        return domain or DEFAULT_EXTERNAL_DOMAIN

    @staticmethod
    def _run(action: Callable[[], T], message: str) -> T:
        try:
            return action()
        except EmailError as error:
            log.warning("%s: %s", message, error)
            raise BadRequest(message) from error

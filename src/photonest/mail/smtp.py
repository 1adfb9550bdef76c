"""Sending email over SMTP, behind the small `EmailSender` protocol (upstream `repositories/email.repository.ts`)."""

from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, getaddresses, make_msgid
from typing import Protocol

log = logging.getLogger(__name__)

# Upstream gives nodemailer a 5 second connection timeout.
CONNECT_TIMEOUT = 5.0
IMPLICIT_TLS_PORT = 465


class EmailError(Exception):
    """The SMTP server could not be reached, refused the login or refused the message."""


@dataclass(frozen=True)
class SmtpTransport:
    """Where and how to connect (the system config's `notifications.smtp.transport`)."""

    host: str
    port: int
    username: str = ""
    password: str = ""
    ignore_cert: bool = False


@dataclass(frozen=True)
class OutgoingEmail:
    """One message: HTML with a plain-text alternative."""

    to: str
    sender: str
    subject: str
    html: str
    text: str
    reply_to: str = ""


class EmailSender(Protocol):
    """What services need from an email transport."""

    def verify(self, transport: SmtpTransport) -> None:
        """Connect and log in, or raise EmailError."""

    def send(self, transport: SmtpTransport, email: OutgoingEmail) -> str:
        """Deliver the message and answer its Message-ID, or raise EmailError."""


class SmtpEmailSender:
    """EmailSender over smtplib: STARTTLS when offered, implicit TLS on port 465, login when credentials are set."""

    def verify(self, transport: SmtpTransport) -> None:
        with self._connect(transport) as smtp:
            self._call(smtp.noop)

    def send(self, transport: SmtpTransport, email: OutgoingEmail) -> str:
        message = build_message(email)
        log.debug("Sending email to %s with subject: %s", email.to, email.subject)
        with self._connect(transport) as smtp:
            self._call(lambda: smtp.send_message(message))
        return str(message["Message-ID"])

    def _connect(self, transport: SmtpTransport) -> smtplib.SMTP:
        context = ssl.create_default_context()
        if transport.ignore_cert:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        smtp: smtplib.SMTP | None = None
        try:
            if transport.port == IMPLICIT_TLS_PORT:
                smtp = smtplib.SMTP_SSL(transport.host, transport.port, timeout=CONNECT_TIMEOUT, context=context)
            else:
                smtp = smtplib.SMTP(transport.host, transport.port, timeout=CONNECT_TIMEOUT)
            smtp.ehlo()
            if smtp.has_extn("starttls"):
                smtp.starttls(context=context)
                smtp.ehlo()
            if transport.username or transport.password:
                smtp.login(transport.username, transport.password)
        except (OSError, smtplib.SMTPException) as error:
            if smtp is not None:
                smtp.close()
            raise EmailError(f"{type(error).__name__}: {error}") from error
        return smtp

    @staticmethod
    def _call(action: Callable[[], object]) -> None:
        try:
            action()
        except (OSError, smtplib.SMTPException) as error:
            raise EmailError(f"{type(error).__name__}: {error}") from error


def build_message(email: OutgoingEmail) -> EmailMessage:
    """The MIME message, with a Message-ID in the sender's domain."""
    message = EmailMessage()
    message["From"] = email.sender
    message["To"] = email.to
    if email.reply_to:
        message["Reply-To"] = email.reply_to
    message["Subject"] = email.subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=_domain(email.sender))
    message.set_content(email.text)
    message.add_alternative(email.html, subtype="html")
    return message


def _domain(sender: str) -> str:
    addresses = getaddresses([sender])
    address = addresses[0][1] if addresses else ""
    try:
        return Address(addr_spec=address).domain or "localhost"
    except (ValueError, IndexError):
        return "localhost"

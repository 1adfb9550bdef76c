"""Email templates rendered with Jinja2, or from the admin's custom template with upstream's `{placeholder}` tags."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from html import escape
from html.parser import HTMLParser

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

_TAG = re.compile(r"{(.*?)}")


class EmailTemplate(StrEnum):
    """The templates upstream knows (`EmailTemplate` in `repositories/email.repository.ts`)."""

    TEST_EMAIL = "test"
    WELCOME = "welcome"
    ALBUM_INVITE = "album-invite"
    ALBUM_UPDATE = "album-update"


@dataclass(frozen=True)
class TemplateInfo:
    """What a template shows: the hidden preview line, its button and the placeholders a custom template may use."""

    subject: str
    preview: str
    placeholders: tuple[str, ...]
    action_label: str = ""
    action_path: str = ""


TEMPLATES: dict[EmailTemplate, TemplateInfo] = {
    EmailTemplate.TEST_EMAIL: TemplateInfo(
        "Test email", "This is a test email.", ("displayName", "baseUrl"), "Open", "/"
    ),
    EmailTemplate.WELCOME: TemplateInfo(
        "Welcome",
        "An account has been created for you.",
        ("displayName", "username", "password", "baseUrl"),
        "Login",
        "/auth/login",
    ),
    EmailTemplate.ALBUM_INVITE: TemplateInfo(
        "You have been added to a shared album",
        "You have been added to a shared album.",
        ("albumName", "recipientName", "senderName", "albumId", "baseUrl"),
        "View Album",
        "/albums/{albumId}",
    ),
    EmailTemplate.ALBUM_UPDATE: TemplateInfo(
        "New media has been added to an album",
        "New media has been added to a shared album.",
        ("albumName", "recipientName", "albumId", "baseUrl"),
        "View Album",
        "/albums/{albumId}",
    ),
}

_environment = Environment(
    loader=PackageLoader("photonest", "templates"),
    autoescape=select_autoescape(["html"]),
    keep_trailing_newline=False,
)


@dataclass(frozen=True)
class RenderedEmail:
    html: str
    text: str


def replace_template_tags(template: str, variables: Mapping[str, str | None]) -> str:
    """Put the HTML-escaped values in place of `{name}` tags; unknown or unset tags stay as written."""

    def value(match: re.Match[str]) -> str:
        found = variables.get(match.group(1))
        return escape(found) if found is not None else match.group(0)

    return _TAG.sub(value, template)


def render_email(template: EmailTemplate, data: Mapping[str, str | None], custom_template: str = "") -> RenderedEmail:
    """The email as HTML and plain text; a custom template replaces the built-in body."""
    info = TEMPLATES[template]
    variables = {name: data.get(name) for name in info.placeholders}
    base_url = (data.get("baseUrl") or "").rstrip("/")
    action_url = base_url + replace_template_tags(info.action_path, data) if info.action_path else ""
    custom = Markup(replace_template_tags(custom_template, variables)) if custom_template else None
    html = _environment.get_template(f"{template.value}.html").render(
        **variables,
        subject=info.subject,
        preview=info.preview,
        custom=custom,
        action_url=action_url,
        action_label=info.action_label,
    )
    return RenderedEmail(html=html, text=html_to_text(html))


class _TextExtractor(HTMLParser):
    """Collects the visible text of an HTML document, one block per line."""

    BLOCKS = frozenset({"p", "br", "div", "tr", "li", "h1", "h2", "h3", "table"})
    HIDDEN = frozenset({"style", "title", "head", "script"})

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0
        self._divs: list[bool] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        hidden = tag == "div" and "display:none" in (dict(attrs).get("style") or "").replace(" ", "")
        if tag == "div":
            self._divs.append(hidden)
        if tag in self.HIDDEN or hidden:
            self._skip += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        hidden = tag == "div" and bool(self._divs) and self._divs.pop()
        if tag in self.HIDDEN or hidden:
            self._skip = max(0, self._skip - 1)
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    """A plain-text rendering of an email: visible text, blank lines collapsed."""
    parser = _TextExtractor()
    parser.feed(html)
    lines = (" ".join(line.split()) for line in "".join(parser.parts).splitlines())
    return "\n".join(line for line in lines if line)

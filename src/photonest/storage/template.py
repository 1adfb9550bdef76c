"""Storage template rendering and target paths, as upstream's `server/src/services/storage-template.service.ts`.

Pure functions: the template language (the Handlebars subset upstream templates use, strict mode, HTML-escaped
`{{value}}` and raw `{{{value}}}`), the substitutions, filename sanitising (npm `sanitize-filename`) and the
`+1`, `+2` … collision rule of upstream's `getTemplatePath`. Files are only looked at through an `exists` callable.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from pathlib import PurePosixPath
from uuid import UUID
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from photonest.config.system_config import STORAGE_TOKENS, STORAGE_VARIABLES

# Upstream maps a few extensions onto one spelling before rendering (`getTemplatePath`).
EXTENSION_ALIASES = {"jpeg": "jpg", "jpe": "jpg", "tif": "tiff", "3gpp": "3gp", "mpeg": "mpg", "mpe": "mpg"}
EXTENSION_ALIASES |= {"m2ts": "mts", "m2t": "mts"}
DATE_TOKENS = tuple(token for tokens in STORAGE_TOKENS.values() for token in tokens)
MONTHS: tuple[str, ...] = ("January", "February", "March", "April", "May", "June", "July")
MONTHS += ("August", "September", "October", "November", "December")
# Handlebars' escapeExpression table.
_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#x27;", "`": "&#x60;", "=": "&#x3D;"}
_ESCAPE_RE = re.compile("[&<>\"'`=]")
_MUSTACHE = re.compile(r"\{\{(\{)?(~)?(.*?)(~)?\}?\}\}", re.DOTALL)
_BLOCKS = frozenset(["if", "unless", "each", "with"])
# npm sanitize-filename: illegal characters, control characters, dot-only names, Windows names, trailing dots/spaces.
_ILLEGAL = re.compile(r'[/?<>\\:*|"]')
_CONTROL = re.compile("[\x00-\x1f\x80-\x9f]")
_RESERVED = re.compile(r"^\.+$")
_WINDOWS_RESERVED = re.compile(r"^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$", re.IGNORECASE)
_WINDOWS_TRAILING = re.compile(r"[. ]+$")
_FIXED_ZONE = re.compile(r"(?:UTC|GMT)?([+-])(\d{1,2})(?::?(\d{2}))?")
_DUPLICATE_SUFFIX = re.compile(r"\+\d+")


class TemplateError(ValueError):
    """A template that cannot be rendered (upstream's Handlebars would throw)."""


@dataclass(frozen=True)
class _Text:
    value: str


@dataclass(frozen=True)
class _Value:
    name: str
    escape: bool


@dataclass(frozen=True)
class _Block:
    helper: str
    name: str
    body: tuple[_Node, ...]
    inverse: tuple[_Node, ...]


_Node = _Text | _Value | _Block


@dataclass(frozen=True)
class StorageTemplate:
    """A parsed template; `render` fills it with the substitutions of one asset."""

    raw: str
    nodes: tuple[_Node, ...]

    @property
    def needs_album(self) -> bool:
        """Whether rendering looks at `album` (upstream only checks for a literal `{{album}}`)."""
        return _uses(self.nodes, "album")

    def render(self, values: Mapping[str, str]) -> str:
        """The rendered relative path, runs of `/` collapsed as upstream."""
        return re.sub(r"/{2,}", "/", _render(self.nodes, values, None))


@dataclass(frozen=True)
class TemplateAsset:
    """What the template needs to know of an asset."""

    id: UUID
    type: str
    file_created_at: datetime
    time_zone: str | None


def compile_template(raw: str) -> StorageTemplate:
    """Parse a template; raises TemplateError for syntax Handlebars would reject."""
    pieces: list[tuple[str, str, bool]] = []
    position = 0
    for match in _MUSTACHE.finditer(raw):
        pieces.append(("text", raw[position : match.start()], False))
        if match.group(2):
            _strip_last_text(pieces)
        pieces.append(("tag", match.group(3).strip(), match.group(1) is None))
        if match.group(4):
            pieces.append(("strip", "", False))
        position = match.end()
    pieces.append(("text", raw[position:], False))
    if "{{" in "".join(value for kind, value, _ in pieces if kind == "text"):
        raise TemplateError("Parse error")
    nodes, closing = _parse_until(_trim(pieces), 0, None)
    if closing is not None:
        raise TemplateError("Parse error")
    return StorageTemplate(raw, tuple(nodes))


def substitutions(asset: TemplateAsset, *, filename: str, extension: str, album_name: str | None) -> dict[str, str]:
    """Upstream's `render` values: names, ids, the album and every date token in the asset's time zone."""
    is_image = asset.type == "IMAGE"
    values = {
        "filename": filename,
        "ext": extension,
        "filetype": "IMG" if is_image else "VID",
        "filetypefull": "IMAGE" if is_image else "VIDEO",
        "assetId": str(asset.id),
        "assetIdShort": str(asset.id)[-12:],
        # Dots are removed so an album name can never climb out of the folder; no album renders empty.
        "album": sanitize_filename(album_name.replace(".", "")) if album_name else "",
    }
    moment = local_moment(asset.file_created_at, asset.time_zone)
    values |= {token: format_date(moment, token) for token in DATE_TOKENS}
    return values


def local_moment(when: datetime, time_zone: str | None) -> datetime:
    """The instant in the asset's EXIF time zone, else in the server's own zone (upstream's system time zone)."""
    zone = parse_time_zone(time_zone)
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(zone) if zone is not None else when.astimezone()


def parse_time_zone(name: str | None) -> tzinfo | None:
    """An IANA name or a fixed offset as exiftool writes them (`UTC+2`, `UTC-05:30`); None when unusable."""
    if not name:
        return None
    name = name.strip()
    if name.upper() in ("UTC", "GMT", "Z", "UTC+0", "UTC-0"):
        return UTC
    fixed = _FIXED_ZONE.fullmatch(name)
    if fixed:
        hours, minutes = int(fixed.group(2)), int(fixed.group(3) or 0)
        if hours > 18 or minutes > 59:
            return None
        offset = timedelta(hours=hours, minutes=minutes)
        return timezone(-offset if fixed.group(1) == "-" else offset)
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def format_date(moment: datetime, token: str) -> str:
    """One Luxon `toFormat` token in the en-US locale."""
    match token:
        case "y":
            return str(moment.year)
        case "yy":
            return f"{moment.year % 100:02d}"
        case "M" | "MM":
            return f"{moment.month:0{len(token)}d}"
        case "MMM":
            return MONTHS[moment.month - 1][:3]
        case "MMMM":
            return MONTHS[moment.month - 1]
        case "W" | "WW":
            return f"{moment.isocalendar().week:0{len(token)}d}"
        case "d" | "dd":
            return f"{moment.day:0{len(token)}d}"
        case "H" | "HH":
            return f"{moment.hour:0{len(token)}d}"
        case "h" | "hh":
            return f"{(moment.hour % 12) or 12:0{len(token)}d}"
        case "m" | "mm":
            return f"{moment.minute:0{len(token)}d}"
        case "s" | "ss":
            return f"{moment.second:0{len(token)}d}"
        case "SSS":
            return f"{moment.microsecond // 1000:03d}"
    raise TemplateError(f"Unknown date token {token}")


def sanitize_filename(value: str) -> str:
    """npm `sanitize-filename` with an empty replacement: no separators, control characters or dot-only names."""
    value = _ILLEGAL.sub("", value)
    value = _CONTROL.sub("", value)
    value = _RESERVED.sub("", value)
    value = _WINDOWS_RESERVED.sub("", value)
    value = _WINDOWS_TRAILING.sub("", value)
    return value.encode("utf-8")[:255].decode("utf-8", "ignore")


def source_extension(source_path: str) -> str:
    """The extension of the file as stored (without the dot, case kept), as Node's `path.extname`."""
    name = PurePosixPath(source_path).name
    stem = name.lstrip(".")
    return stem.rsplit(".", 1)[1] if "." in stem else ""


def target_extension(extension: str) -> str:
    """Lower-cased, with upstream's aliases (`jpeg` → `jpg`, `tif` → `tiff` …)."""
    lowered = extension.lower()
    return EXTENSION_ALIASES.get(lowered, lowered)


def template_filename(filename: str, extension: str, fallback: str) -> str:
    """The `{{filename}}` value: the client's file name without the stored extension, sanitised."""
    name = PurePosixPath(filename.replace("\\", "/")).name
    own = source_extension(name)
    # Upstream strips only the stored extension's exact spelling, so `IMG.JPEG` stored as `.jpg` would become
    # `IMG.JPEG.jpg` on the next run; any spelling that maps to the same target extension is stripped here.
    if own and target_extension(own) == target_extension(extension):
        name = name[: -len(own) - 1]
    # An empty name would make a hidden `.ext` file; upstream has the same gap, we use the asset id.
    return sanitize_filename(name) or fallback


def live_photo_motion_filename(still_name: str, motion_path: str) -> str:
    """The still's name with the motion file's extension (upstream `getLivePhotoMotionFilename`)."""
    stem = PurePosixPath(still_name).stem
    suffix = source_extension(motion_path)
    return f"{stem}.{suffix}" if suffix else stem


def template_path(root: str, rendered: str, extension: str, source: str, exists: Callable[[str], bool]) -> str:
    """Where the file goes: `<root>/<rendered>.<ext>`, then `+1`, `+2` … while taken; `source` when it stays.

    An asset whose path differs from the target only by a `+N` suffix is already in place (upstream's rule), and a
    rendering that would leave `root` (or name `root` itself) keeps the file where it is.
    """
    if "\x00" in rendered:
        return source
    root = os.path.normpath(root)
    full = os.path.normpath(os.path.join(root, rendered.lstrip("/")))
    if not full.startswith(root + os.sep):
        return source
    dot_ext = f".{extension}" if extension else ""
    destination = f"{full}{dot_ext}"
    if source == destination:
        return source
    if source.startswith(full) and source.endswith(dot_ext):
        middle = source[len(full) : len(source) - len(dot_ext)]
        if _DUPLICATE_SUFFIX.fullmatch(middle):
            return source
    count = 0
    while exists(destination):
        count += 1
        destination = f"{full}+{count}{dot_ext}"
    return destination


# --- parsing and rendering ---


def _strip_last_text(pieces: list[tuple[str, str, bool]]) -> None:
    kind, value, flag = pieces[-1]
    if kind == "text":
        pieces[-1] = (kind, value.rstrip(), flag)


def _trim(pieces: list[tuple[str, str, bool]]) -> list[tuple[str, str, bool]]:
    """Apply `~}}` whitespace control: strip the text that follows."""
    out: list[tuple[str, str, bool]] = []
    strip_next = False
    for kind, value, flag in pieces:
        if kind == "strip":
            strip_next = True
            continue
        if kind == "text" and strip_next:
            value = value.lstrip()
        strip_next = False
        out.append((kind, value, flag))
    return out


def _parse_until(
    pieces: Sequence[tuple[str, str, bool]], start: int, helper: str | None
) -> tuple[list[_Node], int | None]:
    """Nodes from `start` up to the `{{else}}` or `{{/helper}}` that ends the current block (its index)."""
    nodes: list[_Node] = []
    index = start
    while index < len(pieces):
        kind, value, escape = pieces[index]
        if kind == "text":
            if value:
                nodes.append(_Text(value))
            index += 1
            continue
        if not value or value.startswith("!"):
            index += 1
            continue
        if value in ("else", "^") or value.startswith("/"):
            if helper is None:
                raise TemplateError("Parse error")
            return nodes, index
        if value.startswith("#"):
            block, index = _parse_block(pieces, index, value[1:].split())
            nodes.append(block)
            continue
        name, *params = value.split()
        if params:
            raise TemplateError(f'Missing helper: "{name}"')
        nodes.append(_Value(name, escape))
        index += 1
    return nodes, None


def _parse_block(pieces: Sequence[tuple[str, str, bool]], index: int, words: list[str]) -> tuple[_Block, int]:
    if len(words) != 2 or words[0] not in _BLOCKS:
        raise TemplateError(f"Unsupported block {' '.join(words)}")
    helper, name = words
    body, stop = _parse_until(pieces, index + 1, helper)
    inverse: list[_Node] = []
    if stop is not None and pieces[stop][1] in ("else", "^"):
        inverse, stop = _parse_until(pieces, stop + 1, helper)
    if stop is None or pieces[stop][1][1:].strip() != helper:
        raise TemplateError("Parse error")
    return _Block(helper, name, tuple(body), tuple(inverse)), stop + 1


def _uses(nodes: Sequence[_Node], name: str) -> bool:
    for node in nodes:
        if isinstance(node, _Value) and node.name == name:
            return True
        if isinstance(node, _Block) and (node.name == name or _uses(node.body, name) or _uses(node.inverse, name)):
            return True
    return False


def _render(nodes: Sequence[_Node], values: Mapping[str, str], this: str | None) -> str:
    out: list[str] = []
    for node in nodes:
        if isinstance(node, _Text):
            out.append(node.value)
        elif isinstance(node, _Value):
            value = _lookup(node.name, values, this)
            out.append(_ESCAPE_RE.sub(lambda m: _ESCAPES[m.group(0)], value) if node.escape else value)
        else:
            out.append(_render_block(node, values, this))
    return "".join(out)


def _render_block(block: _Block, values: Mapping[str, str], this: str | None) -> str:
    value = _lookup(block.name, values, this)
    match block.helper:
        case "if":
            chosen = block.body if value else block.inverse
        case "unless":
            chosen = block.inverse if value else block.body
        case "with":
            # Inside `with` the context is the string itself: only `{{this}}` resolves, as in Handlebars.
            return _render(block.body, {}, value) if value else _render(block.inverse, values, this)
        case _:
            # `each` over a string iterates nothing in Handlebars: the inverse renders.
            chosen = block.inverse
    return _render(chosen, values, this)


def _lookup(name: str, values: Mapping[str, str], this: str | None) -> str:
    if name in ("this", "."):
        return this if this is not None else "[object Object]"
    if name not in values or (this is None and name not in STORAGE_VARIABLES):
        raise TemplateError(f'"{name}" not defined')
    return values[name]

"""Supported file extensions and their MIME types, as upstream's `server/src/utils/mime-types.ts` (v1.134.0).

Insertion order is upstream's object order: `GET /server/media-types` lists the keys in this order.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import PurePath

RAW: dict[str, list[str]] = {
    ".3fr": ["image/3fr", "image/x-hasselblad-3fr"],
    ".ari": ["image/ari", "image/x-arriflex-ari"],
    ".arw": ["image/arw", "image/x-sony-arw"],
    ".cap": ["image/cap", "image/x-phaseone-cap"],
    ".cin": ["image/cin", "image/x-phantom-cin"],
    ".cr2": ["image/cr2", "image/x-canon-cr2"],
    ".cr3": ["image/cr3", "image/x-canon-cr3"],
    ".crw": ["image/crw", "image/x-canon-crw"],
    ".dcr": ["image/dcr", "image/x-kodak-dcr"],
    ".dng": ["image/dng", "image/x-adobe-dng"],
    ".erf": ["image/erf", "image/x-epson-erf"],
    ".fff": ["image/fff", "image/x-hasselblad-fff"],
    ".iiq": ["image/iiq", "image/x-phaseone-iiq"],
    ".k25": ["image/k25", "image/x-kodak-k25"],
    ".kdc": ["image/kdc", "image/x-kodak-kdc"],
    ".mrw": ["image/mrw", "image/x-minolta-mrw"],
    ".nef": ["image/nef", "image/x-nikon-nef"],
    ".nrw": ["image/nrw", "image/x-nikon-nrw"],
    ".orf": ["image/orf", "image/x-olympus-orf"],
    ".ori": ["image/ori", "image/x-olympus-ori"],
    ".pef": ["image/pef", "image/x-pentax-pef"],
    ".psd": ["image/psd", "image/vnd.adobe.photoshop"],
    ".raf": ["image/raf", "image/x-fuji-raf"],
    ".raw": ["image/raw", "image/x-panasonic-raw"],
    ".rw2": ["image/rw2", "image/x-panasonic-rw2"],
    ".rwl": ["image/rwl", "image/x-leica-rwl"],
    ".sr2": ["image/sr2", "image/x-sony-sr2"],
    ".srf": ["image/srf", "image/x-sony-srf"],
    ".srw": ["image/srw", "image/x-samsung-srw"],
    ".x3f": ["image/x3f", "image/x-sigma-x3f"],
}

# Formats browsers display as they are: their originals can stand in for a full-size preview.
WEB_SUPPORTED_IMAGE: dict[str, list[str]] = {
    ".avif": ["image/avif"],
    ".gif": ["image/gif"],
    ".jpeg": ["image/jpeg"],
    ".jpg": ["image/jpeg"],
    ".png": ["image/png", "image/apng"],
    ".webp": ["image/webp"],
}

IMAGE: dict[str, list[str]] = {
    **RAW,
    **WEB_SUPPORTED_IMAGE,
    ".bmp": ["image/bmp"],
    ".heic": ["image/heic"],
    ".heif": ["image/heif"],
    ".hif": ["image/hif"],
    ".insp": ["image/jpeg"],
    ".jp2": ["image/jp2"],
    ".jpe": ["image/jpeg"],
    ".jxl": ["image/jxl"],
    ".svg": ["image/svg"],
    ".tif": ["image/tiff"],
    ".tiff": ["image/tiff"],
}

# Profile pictures accept only formats every client can show.
PROFILE: dict[str, list[str]] = {
    ext: types
    for ext, types in IMAGE.items()
    if ext in {".avif", ".dng", ".heic", ".heif", ".jpeg", ".jpg", ".png", ".webp", ".svg"}
}

# Formats that may hold more than one frame.
POSSIBLY_ANIMATED_IMAGE: dict[str, list[str]] = {
    ext: IMAGE[ext] for ext in (".avif", ".gif", ".heic", ".heif", ".jxl", ".png", ".webp")
}

VIDEO: dict[str, list[str]] = {
    ".3gp": ["video/3gpp"],
    ".3gpp": ["video/3gpp"],
    ".avi": ["video/avi", "video/msvideo", "video/vnd.avi", "video/x-msvideo"],
    ".flv": ["video/x-flv"],
    ".insv": ["video/mp4"],
    ".m2t": ["video/mp2t"],
    ".m2ts": ["video/mp2t"],
    ".m4v": ["video/x-m4v"],
    ".mkv": ["video/x-matroska"],
    ".mov": ["video/quicktime"],
    ".mp4": ["video/mp4"],
    ".mpe": ["video/mpeg"],
    ".mpeg": ["video/mpeg"],
    ".mpg": ["video/mpeg"],
    ".mts": ["video/mp2t"],
    ".vob": ["video/mpeg"],
    ".webm": ["video/webm"],
    ".wmv": ["video/x-ms-wmv"],
}

SIDECAR: dict[str, list[str]] = {
    ".xmp": ["application/xml", "text/xml"],
}

_ALL: dict[str, list[str]] = {**IMAGE, **VIDEO, **SIDECAR}
OCTET_STREAM = "application/octet-stream"


class AssetType(StrEnum):
    """The asset type a file's MIME type implies (the spec's `AssetTypeEnum` values)."""

    IMAGE = "IMAGE"
    VIDEO = "VIDEO"
    AUDIO = "AUDIO"
    OTHER = "OTHER"


def extension(filename: str) -> str:
    """The lower-cased extension with its dot, as Node's `extname` gives it ("" for none or a dotfile)."""
    return PurePath(filename).suffix.lower()


def lookup(filename: str) -> str:
    """The canonical MIME type for a file name, or application/octet-stream."""
    types = _ALL.get(extension(filename))
    return types[0] if types else OCTET_STREAM


def asset_type(filename: str) -> AssetType:
    mime = lookup(filename)
    if mime.startswith("image/"):
        return AssetType.IMAGE
    if mime.startswith("video/"):
        return AssetType.VIDEO
    return AssetType.OTHER


def is_image(filename: str) -> bool:
    return extension(filename) in IMAGE


def is_video(filename: str) -> bool:
    return extension(filename) in VIDEO


def is_asset(filename: str) -> bool:
    return is_image(filename) or is_video(filename)


def is_sidecar(filename: str) -> bool:
    return extension(filename) in SIDECAR


def is_raw(filename: str) -> bool:
    return extension(filename) in RAW


def is_profile(filename: str) -> bool:
    return extension(filename) in PROFILE


def is_web_supported_image(filename: str) -> bool:
    return extension(filename) in WEB_SUPPORTED_IMAGE


def is_possibly_animated_image(filename: str) -> bool:
    return extension(filename) in POSSIBLY_ANIMATED_IMAGE


def supported_extensions() -> list[str]:
    """Every extension an asset upload accepts (images then videos)."""
    return [*IMAGE, *VIDEO]

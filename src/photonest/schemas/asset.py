"""Assets to AssetResponseDto, as upstream's `mapAsset` (`server/src/dtos/asset-response.dto.ts`)."""

from __future__ import annotations

import base64
from typing import Any

from photonest.media.mime_types import lookup
from photonest.records import Asset, User
from photonest.schemas import generated as g
from photonest.schemas.mappers import map_user

DEFAULT_DURATION = "0:00:00.00000"
EXIF_FIELDS = [
    "make", "model", "exif_image_width", "exif_image_height", "file_size_in_byte", "orientation",
    "date_time_original", "modify_date", "time_zone", "lens_model", "f_number", "focal_length", "iso",
    "exposure_time", "latitude", "longitude", "city", "state", "country", "description", "projection_type",
    "rating",
]  # fmt: skip


def map_exif(exif: dict[str, Any]) -> g.ExifResponseDto:
    """The EXIF row as ExifResponseDto; every key present, null when unknown."""
    return g.ExifResponseDto.model_validate({name: exif.get(name) for name in EXIF_FIELDS})


def map_asset(
    asset: Asset,
    *,
    auth_user_id: Any = None,
    exif: dict[str, Any] | None = None,
    owner: User | None = None,
    strip_metadata: bool = False,
) -> g.AssetResponseDto:
    """The asset as clients see it, with EXIF and owner when given; reduced as upstream for `strip_metadata`."""
    thumbhash = base64.b64encode(asset.thumbhash).decode() if asset.thumbhash else None
    duration = asset.duration or DEFAULT_DURATION
    if strip_metadata:
        return sanitized_asset(asset, thumbhash, duration)
    response = g.AssetResponseDto(
        id=str(asset.id),
        device_asset_id=asset.device_asset_id,
        owner_id=str(asset.owner_id),
        device_id=asset.device_id,
        library_id=str(asset.library_id) if asset.library_id else None,
        type=g.AssetTypeEnum(asset.type),
        original_path=asset.original_path,
        original_file_name=asset.original_file_name,
        original_mime_type=lookup(asset.original_file_name) or None,
        resized=True,
        thumbhash=thumbhash,
        file_created_at=asset.file_created_at,
        file_modified_at=asset.file_modified_at,
        local_date_time=asset.local_date_time,
        updated_at=asset.updated_at,
        # Upstream reports favourites only to the owner.
        is_favorite=asset.is_favorite if auth_user_id is None or auth_user_id == asset.owner_id else False,
        is_archived=asset.visibility == g.AssetVisibility.ARCHIVE.value,
        is_trashed=asset.deleted_at is not None,
        visibility=g.AssetVisibility(asset.visibility),
        duration=duration,
        live_photo_video_id=str(asset.live_photo_video_id) if asset.live_photo_video_id else None,
        people=[],
        checksum=base64.b64encode(asset.checksum).decode(),
        is_offline=asset.is_offline,
        has_metadata=True,
        duplicate_id=str(asset.duplicate_id) if asset.duplicate_id else None,
    )
    if exif is not None:
        response.exif_info = map_exif(exif)
    if owner is not None:
        response.owner = map_user(owner)
    return response


def sanitized_asset(asset: Asset, thumbhash: str | None, duration: str) -> g.AssetResponseDto:
    """Upstream's SanitizedAssetResponseDto for shared links without `showExif`: no names, paths, dates or EXIF.

    Built without validation on purpose: the keys it leaves out are required in AssetResponseDto, and responses
    serialise only the keys that were set.
    """
    fields: dict[str, Any] = {
        "id": str(asset.id),
        "type": g.AssetTypeEnum(asset.type),
        "original_mime_type": lookup(asset.original_file_name) or None,
        "thumbhash": thumbhash,
        "local_date_time": asset.local_date_time,
        "duration": duration,
        "live_photo_video_id": str(asset.live_photo_video_id) if asset.live_photo_video_id else None,
        "has_metadata": False,
    }
    return g.AssetResponseDto.model_construct(**fields)

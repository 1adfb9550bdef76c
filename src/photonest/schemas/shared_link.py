"""Shared-link request rules and responses (upstream `dtos/shared-link.dto.ts`, `mapAlbumWithoutAssets`)."""

from __future__ import annotations

import base64
from typing import Annotated, Any

from pydantic import BeforeValidator
from pydantic_core import PydanticCustomError

from photonest.records import Album, SharedLink, User
from photonest.repositories.stack import AssetWithExif
from photonest.schemas import generated as g
from photonest.schemas.asset import map_asset
from photonest.schemas.mappers import map_user


def _string_when_given(value: Any) -> Any:
    # Upstream's `@Optional() @IsString()` skips only undefined: an explicit null is not a string.
    if value is None:
        raise PydanticCustomError("not_null", "must be a string")
    return value


OptionalString = Annotated[str | None, BeforeValidator(_string_when_given)]


class SharedLinkCreateDto(g.SharedLinkCreateDto):
    description: OptionalString = None
    password: OptionalString = None


def encode_key(key: bytes) -> str:
    """The key as clients see it: base64url without padding (Node's `toString('base64url')`)."""
    return base64.urlsafe_b64encode(key).rstrip(b"=").decode()


def map_link_asset(item: AssetWithExif, *, strip_metadata: bool) -> g.AssetResponseDto:
    """A shared asset as upstream maps it without a caller: never a favourite, no owner."""
    if strip_metadata:
        return map_asset(item.asset, strip_metadata=True)
    response = map_asset(item.asset, exif=item.exif or {})
    response.is_favorite = False
    return response


def map_album_without_assets(album: Album, owner: User, assets: list[AssetWithExif]) -> g.AlbumResponseDto:
    """Upstream's `mapAlbumWithoutAssets` of an album loaded with its assets and owner (no members, no links)."""
    response = g.AlbumResponseDto(
        album_name=album.album_name,
        description=album.description,
        album_thumbnail_asset_id=str(album.album_thumbnail_asset_id) if album.album_thumbnail_asset_id else None,
        created_at=album.created_at,
        updated_at=album.updated_at,
        id=str(album.id),
        owner_id=str(album.owner_id),
        owner=map_user(owner),
        album_users=[],
        shared=False,
        has_shared_link=False,
        assets=[],
        asset_count=len(assets),
        is_activity_enabled=album.is_activity_enabled,
        order=g.AssetOrder(album.order),
    )
    if assets:
        start, end = assets[0].asset.local_date_time, assets[-1].asset.local_date_time
        response.start_date, response.end_date = min(start, end), max(start, end)
    return response


def map_shared_link(
    link: SharedLink,
    assets: list[g.AssetResponseDto],
    album: g.AlbumResponseDto | None,
    *,
    with_password: bool,
) -> g.SharedLinkResponseDto:
    """The link as SharedLinkResponseDto; the password only for its owner."""
    response = g.SharedLinkResponseDto(
        id=str(link.id),
        description=link.description,
        password=link.password if with_password else None,
        user_id=str(link.user_id),
        key=encode_key(link.key),
        type=g.SharedLinkType(link.type),
        created_at=link.created_at,
        expires_at=link.expires_at,
        assets=assets,
        allow_upload=link.allow_upload,
        allow_download=link.allow_download,
        show_metadata=link.show_exif,
    )
    if album is not None:
        response.album = album
    return response

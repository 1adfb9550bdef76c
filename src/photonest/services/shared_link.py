"""Shared links: public keys to an album or a set of assets, optionally behind a password (`shared-link.service.ts`)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from photonest.crypto import random_bytes, same_secret, sign
from photonest.db.types import utcnow
from photonest.errors import BadRequest, Forbidden, Unauthorized
from photonest.records import Auth, SharedLink
from photonest.schemas import generated as g
from photonest.schemas.shared_link import (
    SharedLinkCreateDto,
    map_album_without_assets,
    map_link_asset,
    map_shared_link,
)
from photonest.services.access import check_access, require_access
from photonest.services.base import BaseService

P = g.Permission
KEY_BYTES = 50
UNLOCK_COOKIE = "immich_shared_link_token"
UNLOCK_LIFETIME = timedelta(days=1)
# Tokens of other links kept in the cookie beside a new one, so that a browser can hold several unlocked links.
MAX_UNLOCK_TOKENS = 10
# `~` needs no quoting in a cookie; upstream's lists use `,`, which is accepted too.
COOKIE_SEPARATOR = "~"
_TOKEN_SEPARATORS = re.compile(r"[,~\s]+")


# --- keys ---


def decode_key(text: str) -> bytes | None:
    """The key bytes from what a client sends: base64url, or hex when 100 characters long (as upstream)."""
    try:
        if len(text) == KEY_BYTES * 2:
            return bytes.fromhex(text)
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, binascii.Error):
        return None


def is_expired(link: SharedLink) -> bool:
    return link.expires_at is not None and link.expires_at <= utcnow()


# --- unlock tokens: proof that the holder gave the password of one link ---


@dataclass(frozen=True)
class UnlockToken:
    """`<link id>.<expiry, unix seconds>.<HMAC of both and of the link's password>`."""

    link_id: UUID
    expires: int
    signature: str

    def __str__(self) -> str:
        return f"{self.link_id.hex}.{self.expires}.{self.signature}"

    @property
    def expired(self) -> bool:
        return self.expires <= int(utcnow().timestamp())


def parse_tokens(values: Iterable[str]) -> list[UnlockToken]:
    """The well-formed tokens among comma- or tilde-separated lists; anything else is ignored."""
    tokens = []
    for value in values:
        for part in _TOKEN_SEPARATORS.split(value):
            fields = part.split(".")
            if len(fields) != 3 or not fields[1].isdigit():
                continue
            try:
                tokens.append(UnlockToken(UUID(hex=fields[0]), int(fields[1]), fields[2]))
            except ValueError:
                continue
    return tokens


def _signature(secret: str, link: SharedLink, expires: int) -> str:
    # Bound to the password's hash, so that changing the password invalidates every token issued before.
    password = hashlib.sha256((link.password or "").encode()).hexdigest()
    return sign(secret.encode(), f"shared-link-unlock:{link.id}:{expires}:{password}")


def unlock_expiry(link: SharedLink) -> datetime:
    """When a token issued now stops working: after a day, or with the link."""
    expires_at = utcnow() + UNLOCK_LIFETIME
    return min(expires_at, link.expires_at) if link.expires_at is not None else expires_at


def issue_token(secret: str, link: SharedLink) -> UnlockToken:
    expires = int(unlock_expiry(link).timestamp())
    return UnlockToken(link.id, expires, _signature(secret, link, expires))


def valid_token(secret: str | None, link: SharedLink, tokens: Iterable[UnlockToken]) -> UnlockToken | None:
    """The first token that unlocks this link (never a token of another link)."""
    if not secret:
        return None
    for token in tokens:
        expected = _signature(secret, link, token.expires)
        if token.link_id == link.id and not token.expired and same_secret(token.signature, expected):
            return token
    return None


def password_matches(link: SharedLink, password: str | None) -> bool:
    return bool(link.password) and password is not None and same_secret(password, link.password or "")


@dataclass(frozen=True)
class Unlock:
    """What a request offers to open a password-protected link."""

    password: str | None = None
    tokens: tuple[str, ...] = ()


@dataclass(frozen=True)
class MySharedLink:
    """The answer to a link holder, and the unlock cookie to set (None: leave the cookie as it is)."""

    link: g.SharedLinkResponseDto
    cookie: str | None = None
    cookie_max_age: int = 0


class SharedLinkService(BaseService):
    """Creates and manages the caller's shared links, and answers link holders about their link."""

    def get_all(self, auth: Auth, album_id: UUID | None) -> list[g.SharedLinkResponseDto]:
        links = self.repos.shared_links.search(auth.user_id, album_id)
        assets = self.repos.shared_links.assets_of(link.id for link in links)
        albums = self.repos.shared_links.albums_with_owners({link.album_id for link in links if link.album_id})
        responses = []
        for link in links:
            # As upstream's listing, the album comes without its assets.
            found = albums.get(link.album_id) if link.album_id else None
            album = map_album_without_assets(*found, []) if found else None
            mapped = [map_link_asset(item, strip_metadata=False) for item in assets[link.id]]
            responses.append(map_shared_link(link, mapped, album, with_password=True))
        return responses

    def get(self, auth: Auth, link_id: UUID) -> g.SharedLinkResponseDto:
        return self._map(self._find(auth.user_id, link_id), for_owner=True)

    def get_mine(self, auth: Auth, unlock: Unlock) -> MySharedLink:
        """The caller's link, metadata stripped unless it shows metadata; a password unlocks it with a cookie."""
        if auth.shared_link is None:
            raise Forbidden()
        link = self._find(auth.user_id, auth.shared_link.id)
        response = self._map(link, for_owner=False)
        if not link.password:
            return MySharedLink(response)
        tokens = parse_tokens(unlock.tokens)
        if password_matches(link, unlock.password):
            token = issue_token(self._signing_secret(), link)
            others = [t for t in tokens if t.link_id != link.id and not t.expired][-(MAX_UNLOCK_TOKENS - 1) :]
            kept = [*others, token]
            response.token = str(token)
            max_age = max(t.expires for t in kept) - int(utcnow().timestamp())
            return MySharedLink(response, COOKIE_SEPARATOR.join(str(t) for t in kept), max_age)
        current = valid_token(self.repos.shared_links.signing_secret(), link, tokens)
        if current is None:
            raise Unauthorized("Invalid password")
        response.token = str(current)
        return MySharedLink(response)

    def create(self, auth: Auth, dto: SharedLinkCreateDto) -> g.SharedLinkResponseDto:
        if dto.type == g.SharedLinkType.ALBUM:
            if dto.album_id is None:
                raise BadRequest("Invalid albumId")
            require_access(self.repos, auth, P.ALBUM_SHARE, [dto.album_id])
        else:
            if not dto.asset_ids:
                raise BadRequest("Invalid assetIds")
            require_access(self.repos, auth, P.ASSET_SHARE, dto.asset_ids)
        link = self.repos.shared_links.create(
            {
                "key": random_bytes(KEY_BYTES),
                "user_id": auth.user_id,
                "type": dto.type.value,
                "album_id": dto.album_id if dto.type == g.SharedLinkType.ALBUM else None,
                "description": dto.description or None,
                "password": dto.password,
                "expires_at": dto.expires_at,
                # Upstream allows uploads unless told otherwise; a link grants only what its creator asked for.
                "allow_upload": bool(dto.allow_upload),
                # As upstream: hiding metadata also hides the originals.
                "allow_download": False if dto.show_metadata is False else dto.allow_download,
                "show_exif": dto.show_metadata,
            }
        )
        if dto.type == g.SharedLinkType.INDIVIDUAL and dto.asset_ids:
            self.repos.shared_links.add_assets(link.id, dict.fromkeys(dto.asset_ids))
        return self._map(link, for_owner=True)

    def update(self, auth: Auth, link_id: UUID, dto: g.SharedLinkEditDto) -> g.SharedLinkResponseDto:
        self._find(auth.user_id, link_id)
        given = dto.model_fields_set
        changes: dict[str, object] = {}
        for field in ("description", "password"):
            if field in given:
                changes[field] = getattr(dto, field)
        if "expires_at" in given or dto.change_expiry_time:
            # `changeExpiryTime` without a date means "never", for clients that cannot send null.
            changes["expires_at"] = dto.expires_at
        for field in ("allow_upload", "allow_download"):
            if getattr(dto, field) is not None:
                changes[field] = getattr(dto, field)
        if dto.show_metadata is not None:
            changes["show_exif"] = dto.show_metadata
        link = self.repos.shared_links.update(link_id, changes) if changes else self._find(auth.user_id, link_id)
        return self._map(link, for_owner=True)

    def remove(self, auth: Auth, link_id: UUID) -> None:
        self.repos.shared_links.delete(self._find(auth.user_id, link_id).id)

    def add_assets(self, auth: Auth, link_id: UUID, dto: g.AssetIdsDto) -> list[g.AssetIdsResponseDto]:
        link = self._find_individual(auth, link_id)
        existing = self.repos.shared_links.asset_ids(link.id)
        allowed = check_access(self.repos, auth, P.ASSET_SHARE, [i for i in dto.asset_ids if i not in existing])
        results: list[g.AssetIdsResponseDto] = []
        added: list[UUID] = []
        for asset_id in dto.asset_ids:
            if asset_id in existing or asset_id in added:
                results.append(_failed(asset_id, g.Error.DUPLICATE))
            elif asset_id not in allowed:
                results.append(_failed(asset_id, g.Error.NO_PERMISSION))
            else:
                added.append(asset_id)
                results.append(g.AssetIdsResponseDto(asset_id=str(asset_id), success=True))
        self.repos.shared_links.add_assets(link.id, added)
        return results

    def remove_assets(self, auth: Auth, link_id: UUID, dto: g.AssetIdsDto) -> list[g.AssetIdsResponseDto]:
        link = self._find_individual(auth, link_id)
        existing = self.repos.shared_links.asset_ids(link.id)
        results: list[g.AssetIdsResponseDto] = []
        removed: set[UUID] = set()
        for asset_id in dto.asset_ids:
            if asset_id not in existing or asset_id in removed:
                results.append(_failed(asset_id, g.Error.NOT_FOUND))
            elif auth.shared_link is not None:
                # A link never changes itself: only uploads into it are allowed through a key.
                results.append(_failed(asset_id, g.Error.NO_PERMISSION))
            else:
                removed.add(asset_id)
                results.append(g.AssetIdsResponseDto(asset_id=str(asset_id), success=True))
        if removed:
            self.repos.shared_links.remove_assets(link.id, removed)
        return results

    # --- helpers ---

    def _find(self, user_id: UUID, link_id: UUID) -> SharedLink:
        link = self.repos.shared_links.get(user_id, link_id)
        if link is None:
            raise BadRequest("Shared link not found")
        return link

    def _find_individual(self, auth: Auth, link_id: UUID) -> SharedLink:
        """The caller's link of type INDIVIDUAL; a link holder reaches only the link it holds."""
        if auth.shared_link is not None and auth.shared_link.id != link_id:
            raise BadRequest("Shared link not found")
        link = self._find(auth.user_id, link_id)
        if link.type != g.SharedLinkType.INDIVIDUAL.value:
            raise BadRequest("Invalid shared link type")
        return link

    def _map(self, link: SharedLink, *, for_owner: bool) -> g.SharedLinkResponseDto:
        """The link with its own and its album's assets; metadata stripped for holders of a link that hides it."""
        strip = not for_owner and not link.show_exif
        items = self.repos.shared_links.assets_of([link.id])[link.id]
        album = None
        if link.album_id is not None:
            found = self.repos.shared_links.album_with_owner(link.album_id)
            if found is not None:
                album_items = self.repos.shared_links.album_assets(link.album_id)
                album = map_album_without_assets(*found, album_items)
                seen = {item.asset.id for item in items}
                items = [*items, *(item for item in album_items if item.asset.id not in seen)]
        assets = [map_link_asset(item, strip_metadata=strip) for item in items]
        return map_shared_link(link, assets, album, with_password=for_owner)

    def _signing_secret(self) -> str:
        existing = self.repos.shared_links.signing_secret()
        if existing:
            return existing
        return self.repos.shared_links.create_signing_secret(base64.b64encode(random_bytes(32)).decode())


def _failed(asset_id: UUID, error: g.Error) -> g.AssetIdsResponseDto:
    return g.AssetIdsResponseDto(asset_id=str(asset_id), success=False, error=error)


def unlocked(secret: str | None, link: SharedLink, unlock: Unlock) -> bool:
    """The request proves it knows the link's password: the password itself, or a token issued for this link."""
    if password_matches(link, unlock.password):
        return True
    return valid_token(secret, link, parse_tokens(unlock.tokens)) is not None

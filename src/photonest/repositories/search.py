"""Asset search: the filters shared by metadata, smart and random search, and their queries (`search.repository.ts`)."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, Select, String, Subquery, and_, exists, false, func, literal, or_, select

from photonest.db.dialects.expressions import folded, strip_accents
from photonest.db.tables import album_asset, asset, asset_exif, asset_face, asset_file, person, tag_asset, tag_closure
from photonest.records import Asset, Person
from photonest.repositories.base import Repository, prefixed, unprefixed

# Upstream's `searchAssetBuilder`: without a visibility filter only timeline assets are searched.
DEFAULT_VISIBILITY = "timeline"
EXIF_TEXT_FIELDS = ("city", "state", "country", "make", "model", "lens_model")
# Upstream's `getByName` caps the people it returns.
PEOPLE_LIMIT = 1000
LIKE_ESCAPE = "\\"


def _contains(column: ColumnElement[Any], value: str) -> ColumnElement[bool]:
    # The text is stripped of accents here but lower-cased by the database, so both sides use the same lower().
    text = strip_accents(value)
    escaped = text.replace(LIKE_ESCAPE, LIKE_ESCAPE * 2).replace("%", "\\%").replace("_", "\\_")
    return folded(column).like(func.lower(literal(f"%{escaped}%", String)), escape=LIKE_ESCAPE)


@dataclass(frozen=True)
class SearchFilters:
    """Every asset filter of `MetadataSearchDto`/`SmartSearchDto`/`RandomSearchDto`, plus the owners searched."""

    owner_ids: Sequence[UUID]
    values: dict[str, Any]  # snake_case DTO field -> value, only the fields the caller set (None meaning "IS NULL")

    @classmethod
    def from_dto(cls, dto: Any, owner_ids: Sequence[UUID]) -> SearchFilters:
        """The filters a request DTO sets."""
        return cls(owner_ids=list(owner_ids), values={name: getattr(dto, name) for name in dto.model_fields_set})


def parse_checksum(text: str) -> bytes | None:
    """A SHA-1 given as base64 (28 characters, as upstream decides) or hex; None when it is neither."""
    try:
        return base64.b64decode(text, validate=True) if len(text) == 28 else bytes.fromhex(text)
    except (ValueError, binascii.Error):
        return None


def asset_conditions(filters: SearchFilters) -> list[ColumnElement[bool]]:
    """WHERE conditions on `asset` for these filters (other tables are reached through sub-queries)."""
    v = filters.values
    given = {name: value for name, value in v.items() if value is not None}
    owner_ids = list(filters.owner_ids)
    conditions: list[ColumnElement[bool]] = [
        asset.c.owner_id == owner_ids[0] if len(owner_ids) == 1 else asset.c.owner_id.in_(owner_ids),
        asset.c.visibility == _text(given.get("visibility", DEFAULT_VISIBILITY)),
    ]
    conditions += _id_conditions(given)
    conditions += _status_conditions(given)
    conditions += _date_conditions(given)
    conditions += _path_conditions(given)
    conditions += _exif_conditions(v)
    conditions += _relation_conditions(v)
    return conditions


def _text(value: Any) -> str:
    return str(value.value if hasattr(value, "value") else value)


def _id_conditions(given: dict[str, Any]) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if "id" in given:
        conditions.append(asset.c.id == given["id"])
    if given.get("device_asset_id"):
        conditions.append(asset.c.device_asset_id == given["device_asset_id"])
    if given.get("device_id"):
        conditions.append(asset.c.device_id == given["device_id"])
    if given.get("checksum"):
        checksum = parse_checksum(given["checksum"])
        conditions.append(asset.c.checksum == checksum if checksum is not None else false())
    if "library_id" in given:
        conditions.append(asset.c.library_id == given["library_id"])
    return conditions


def _status_conditions(given: dict[str, Any]) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if "type" in given:
        conditions.append(asset.c.type == _text(given["type"]))
    if "is_favorite" in given:
        conditions.append(asset.c.is_favorite == given["is_favorite"])
    if "is_offline" in given:
        conditions.append(asset.c.is_offline == given["is_offline"])
    if "is_encoded" in given:
        encoded = and_(asset.c.encoded_video_path.is_not(None), asset.c.encoded_video_path != "")
        conditions.append(encoded if given["is_encoded"] else ~encoded)
    if "is_motion" in given:
        motion = asset.c.live_photo_video_id
        conditions.append(motion.is_not(None) if given["is_motion"] else motion.is_(None))
    # Upstream searches the trash too when asked for trashed dates or offline assets.
    with_deleted = any(given.get(name) for name in ("with_deleted", "trashed_after", "trashed_before", "is_offline"))
    if not with_deleted:
        conditions.append(asset.c.deleted_at.is_(None))
    return conditions


_DATE_COLUMNS = {
    "created": asset.c.created_at,
    "updated": asset.c.updated_at,
    "trashed": asset.c.deleted_at,
    "taken": asset.c.file_created_at,
}


def _date_conditions(given: dict[str, Any]) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    for prefix, column in _DATE_COLUMNS.items():
        if f"{prefix}_before" in given:
            conditions.append(column <= given[f"{prefix}_before"])
        if f"{prefix}_after" in given:
            conditions.append(column >= given[f"{prefix}_after"])
    return conditions


def _path_conditions(given: dict[str, Any]) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if given.get("original_file_name"):
        conditions.append(_contains(asset.c.original_file_name, given["original_file_name"]))
    if given.get("original_path"):
        conditions.append(_contains(asset.c.original_path, given["original_path"]))
    if given.get("encoded_video_path"):
        conditions.append(asset.c.encoded_video_path == given["encoded_video_path"])
    for name, file_type in (("preview_path", "preview"), ("thumbnail_path", "thumbnail")):
        if given.get(name):
            conditions.append(
                exists().where(
                    asset_file.c.asset_id == asset.c.id,
                    asset_file.c.type == file_type,
                    asset_file.c.path == given[name],
                )
            )
    return conditions


def _exif_conditions(v: dict[str, Any]) -> list[ColumnElement[bool]]:
    # Upstream joins `asset_exif` for these, so an asset without an EXIF row matches none of them. An alias keeps
    # the sub-query from correlating with an `asset_exif` the outer query selects.
    exif = asset_exif.alias("filter_exif")
    on_exif: list[ColumnElement[bool]] = []
    for name in (*EXIF_TEXT_FIELDS, "rating"):
        if name in v:
            column = exif.c[name]
            on_exif.append(column.is_(None) if v[name] is None else column == v[name])
    if v.get("description"):
        on_exif.append(_contains(exif.c.description, v["description"]))
    if not on_exif:
        return []
    return [exists().where(exif.c.asset_id == asset.c.id, *on_exif)]


def _relation_conditions(v: dict[str, Any]) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    person_ids = list(dict.fromkeys(v.get("person_ids") or []))
    if person_ids:
        # The asset shows every one of these people.
        faces = (
            select(func.count(asset_face.c.person_id.distinct()))
            .where(
                asset_face.c.asset_id == asset.c.id,
                asset_face.c.person_id.in_(person_ids),
                asset_face.c.deleted_at.is_(None),
            )
            .scalar_subquery()
        )
        conditions.append(faces == len(person_ids))
    tag_ids = v.get("tag_ids", [])
    if tag_ids is None:
        conditions.append(~exists().where(tag_asset.c.asset_id == asset.c.id))
    elif tag_ids:
        # Every one of these tags, or a tag below it, is on the asset.
        wanted = list(dict.fromkeys(tag_ids))
        tags = (
            select(func.count(tag_closure.c.ancestor_id.distinct()))
            .select_from(tag_asset.join(tag_closure, tag_closure.c.descendant_id == tag_asset.c.tag_id))
            .where(tag_asset.c.asset_id == asset.c.id, tag_closure.c.ancestor_id.in_(wanted))
            .scalar_subquery()
        )
        conditions.append(tags >= len(wanted))
    album_ids = list(dict.fromkeys(v.get("album_ids") or []))
    if album_ids:
        albums = (
            select(func.count(album_asset.c.album_id.distinct()))
            .where(album_asset.c.asset_id == asset.c.id, album_asset.c.album_id.in_(album_ids))
            .scalar_subquery()
        )
        conditions.append(albums == len(album_ids))
    elif v.get("is_not_in_album"):
        conditions.append(~exists().where(album_asset.c.asset_id == asset.c.id))
    return conditions


@dataclass(frozen=True)
class FoundAsset:
    """An asset found by a search, with its EXIF row when it has one."""

    asset: Asset
    exif: dict[str, Any] | None


class SearchRepository(Repository):
    """Metadata search, suggestions, cities and explore."""

    def search_assets(self, filters: SearchFilters, *, descending: bool, page: int, size: int) -> list[FoundAsset]:
        """One page of matching assets by date taken (then id), plus one more row to tell whether a next page exists."""
        taken, tiebreak = asset.c.file_created_at, asset.c.id
        order = (taken.desc(), tiebreak.desc()) if descending else (taken.asc(), tiebreak.asc())
        query = (
            _with_exif(select(asset))
            .where(*asset_conditions(filters))
            .order_by(*order)
            .limit(size + 1)
            .offset((page - 1) * size)
        )
        return self._found(query)

    def random_assets(self, filters: SearchFilters, size: int) -> list[FoundAsset]:
        """Up to `size` matching assets in random order."""
        query = _with_exif(select(asset)).where(*asset_conditions(filters)).order_by(func.random()).limit(size)
        return self._found(query)

    def exif_values(self, field: str, owner_ids: Sequence[UUID], equal: dict[str, str]) -> list[str]:
        """Distinct non-empty values of one EXIF field on these owners' timeline assets, where the others match."""
        column = asset_exif.c[field]
        query = (
            select(column)
            .distinct()
            .join(asset, asset.c.id == asset_exif.c.asset_id)
            .where(
                asset.c.owner_id.in_(list(owner_ids)),
                asset.c.visibility == "timeline",
                asset.c.deleted_at.is_(None),
                column.is_not(None),
                column != "",
                *(asset_exif.c[name] == value for name, value in equal.items()),
            )
            .order_by(column)
        )
        return list(self.execute(query).scalars())

    def assets_by_city(self, owner_ids: Sequence[UUID]) -> list[FoundAsset]:
        """One timeline image per city of these owners (the first by id), ordered by city."""
        ranked = _city_ranks(owner_ids)
        first = select(ranked.c.id).where(ranked.c.rank == 1)
        query = _with_exif(select(asset)).where(asset.c.id.in_(first)).order_by(asset_exif.c.city)
        return self._found(query)

    def explore_cities(self, owner_id: UUID, min_assets: int, max_fields: int) -> list[FoundAsset]:
        """Up to `max_fields` cities with at least `min_assets` of the owner's timeline images, one image each."""
        ranked = _city_ranks([owner_id])
        first = (
            select(ranked.c.id)
            .where(ranked.c.rank == 1, ranked.c.total >= min_assets)
            .order_by(ranked.c.city)
            .limit(max_fields)
        )
        query = _with_exif(select(asset)).where(asset.c.id.in_(first)).order_by(asset_exif.c.city)
        return self._found(query)

    def people_by_name(self, owner_id: UUID, name: str, *, with_hidden: bool) -> list[Person]:
        """The owner's people whose name, or a word of it, starts with `name` (any case)."""
        text = name.lower().replace(LIKE_ESCAPE, LIKE_ESCAPE * 2).replace("%", "\\%").replace("_", "\\_")
        lowered = func.lower(person.c.name)
        query = select(person).where(
            person.c.owner_id == owner_id,
            or_(lowered.like(f"{text}%", escape=LIKE_ESCAPE), lowered.like(f"% {text}%", escape=LIKE_ESCAPE)),
        )
        if not with_hidden:
            query = query.where(person.c.is_hidden == false())
        query = query.order_by(person.c.name, person.c.id).limit(PEOPLE_LIMIT)
        return [Person.from_row(row) for row in self.execute(query)]

    def _found(self, query: Select[Any]) -> list[FoundAsset]:
        found: list[FoundAsset] = []
        for row in self.execute(query):
            exif = unprefixed(row, "exif__")
            found.append(FoundAsset(Asset.from_row(row), exif if exif["asset_id"] is not None else None))
        return found


def _with_exif(query: Select[Any]) -> Select[Any]:
    return query.add_columns(*prefixed(asset_exif, "exif__")).select_from(
        asset.outerjoin(asset_exif, asset_exif.c.asset_id == asset.c.id)
    )


def _city_ranks(owner_ids: Sequence[UUID]) -> Subquery:
    """The owners' timeline images with a city: id, city, rank within the city (by id) and the city's image count."""
    by_city = asset_exif.c.city
    return (
        select(
            asset.c.id,
            by_city,
            func.row_number().over(partition_by=by_city, order_by=asset.c.id).label("rank"),
            func.count().over(partition_by=by_city).label("total"),
        )
        .join(asset_exif, asset_exif.c.asset_id == asset.c.id)
        .where(
            asset.c.owner_id.in_(list(owner_ids)),
            asset.c.visibility == "timeline",
            asset.c.type == "IMAGE",
            asset.c.deleted_at.is_(None),
            by_city.is_not(None),
            by_city != "",
        )
        .subquery()
    )

"""Tag request models with upstream's validation, and the tag response mapping (`dtos/tag.dto.ts`)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Protocol
from uuid import UUID

from pydantic import AfterValidator, BeforeValidator, Field
from pydantic_core import PydanticCustomError

from photonest.schemas import generated as g

# validator.js `isHexColor`, which upstream's `@IsHexColor()` uses (case-insensitive).
_HEX_COLOR = re.compile(r"^#?([0-9A-F]{3}|[0-9A-F]{4}|[0-9A-F]{6}|[0-9A-F]{8})$", re.IGNORECASE)
HEX_COLOR_PATTERN = "^#?([0-9A-F]{3}|[0-9A-F]{4}|[0-9A-F]{6}|[0-9A-F]{8})$"


def _empty_to_null(value: Any) -> Any:
    return None if value == "" else value


def _hex_color(value: str) -> str:
    if not _HEX_COLOR.match(value):
        raise PydanticCustomError("hex_color", "must be a hexadecimal color")
    # Upstream's `ValidateHexColor` stores the colour with its leading '#'.
    return value if value.startswith("#") else f"#{value}"


def _not_empty(value: str) -> str:
    if value == "":
        raise PydanticCustomError("not_empty", "should not be empty")
    return value


HexColor = Annotated[str, AfterValidator(_hex_color)]
OptionalHexColor = Annotated[HexColor | None, BeforeValidator(_empty_to_null)]
TagName = Annotated[str, AfterValidator(_not_empty)]


class TagCreateDto(g.TagCreateDto):
    color: Annotated[OptionalHexColor, Field(json_schema_extra={"pattern": HEX_COLOR_PATTERN})] = None
    name: TagName


class TagUpdateDto(g.TagUpdateDto):
    color: OptionalHexColor = None


class TagUpsertDto(g.TagUpsertDto):
    tags: list[TagName]


class Tag(Protocol):
    """What a tag mapping reads: the columns of a `tag` row."""

    @property
    def id(self) -> UUID: ...
    @property
    def value(self) -> str: ...
    @property
    def color(self) -> str | None: ...
    @property
    def parent_id(self) -> UUID | None: ...
    @property
    def created_at(self) -> datetime: ...
    @property
    def updated_at(self) -> datetime: ...


def map_tag(found: Tag) -> g.TagResponseDto:
    """The tag as upstream's `mapTag`: the name is the last part of its value; null parent and colour are left out."""
    response = g.TagResponseDto(
        id=str(found.id),
        name=found.value.split("/")[-1],
        value=found.value,
        created_at=found.created_at,
        updated_at=found.updated_at,
    )
    if found.parent_id is not None:
        response.parent_id = str(found.parent_id)
    if found.color is not None:
        response.color = found.color
    return response

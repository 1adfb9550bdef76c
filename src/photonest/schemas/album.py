"""Request parsing for albums beyond the generated models."""

from __future__ import annotations

from typing import Any, Literal
from uuid import UUID

from pydantic import model_validator

from photonest.errors import BadRequest
from photonest.schemas import generated as g

ME: Literal["me"] = "me"


def parse_me_or_uuid(value: str) -> UUID | Literal["me"]:
    """A user id path parameter that may also be `me` (upstream's `ParseMeUUIDPipe`, Nest's message)."""
    if value == ME:
        return ME
    try:
        return UUID(value)
    except ValueError:
        raise BadRequest("Validation failed (uuid v 4 is expected)") from None


class CreateAlbumDto(g.CreateAlbumDto):
    """The create body; a missing name fails as upstream's `@IsString()` does ("must be a string")."""

    @model_validator(mode="before")
    @classmethod
    def _missing_name_is_not_a_string(cls, data: Any) -> Any:
        if isinstance(data, dict) and "albumName" not in data and "album_name" not in data:
            return {**data, "albumName": None}
        return data

"""Query models of the map routes, with upstream's validation (`map.dto.ts`)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from photonest.schemas.types import IsoDateTime


def _coordinate(limit: int) -> BeforeValidator:
    """Upstream's `@IsLatitude`/`@IsLongitude` with its own message, which also covers a missing value."""
    message = f"must be a number between -{limit} and {limit}"

    def check(value: Any) -> float:
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise PydanticCustomError("coordinate", message) from None
        if not -limit <= number <= limit:
            raise PydanticCustomError("coordinate", message)
        return number

    return BeforeValidator(check)


class MapReverseGeocodeDto(BaseModel):
    """The query parameters of `GET /map/reverse-geocode`."""

    model_config = ConfigDict(populate_by_name=True)

    lat: Annotated[float, _coordinate(90), Field(json_schema_extra={"format": "double"})]
    lon: Annotated[float, _coordinate(180), Field(json_schema_extra={"format": "double"})]

    @model_validator(mode="before")
    @classmethod
    def _missing_as_invalid(cls, data: Any) -> Any:
        # class-validator reports a missing coordinate with the range message, not "should not be empty".
        if isinstance(data, dict):
            return {"lat": None, "lon": None, **data}
        return data


class MapMarkerDto(BaseModel):
    """The query parameters of `GET /map/markers`."""

    model_config = ConfigDict(populate_by_name=True)

    file_created_after: Annotated[IsoDateTime | None, Field(alias="fileCreatedAfter")] = None
    file_created_before: Annotated[IsoDateTime | None, Field(alias="fileCreatedBefore")] = None
    is_archived: Annotated[bool | None, Field(alias="isArchived")] = None
    is_favorite: Annotated[bool | None, Field(alias="isFavorite")] = None
    with_partners: Annotated[bool | None, Field(alias="withPartners")] = None
    with_shared_albums: Annotated[bool | None, Field(alias="withSharedAlbums")] = None

"""Request models of the search routes with upstream's validation (`search.dto.ts`)."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from pydantic_core import PydanticCustomError

from photonest.schemas import generated as g

# class-validator's @IsInt @Min(1) (@Max(1000)): whole numbers only, documented as `number` in the spec.
Page = Annotated[int | None, Field(ge=1, json_schema_extra={"type": "number"})]
Size = Annotated[int | None, Field(ge=1, le=1000, json_schema_extra={"type": "number"})]
Rating = Annotated[int | None, Field(ge=-1, le=5, json_schema_extra={"type": "number"})]


def _not_empty(value: str) -> str:
    if value == "":
        raise PydanticCustomError("not_empty", "should not be empty")
    return value


class MetadataSearchDto(g.MetadataSearchDto):
    page: Page = None
    size: Size = None
    rating: Rating = None


class RandomSearchDto(g.RandomSearchDto):
    size: Size = None
    rating: Rating = None


class SearchSuggestionRequestDto(BaseModel):
    """The query parameters of `GET /search/suggestions`."""

    model_config = ConfigDict(populate_by_name=True)

    country: str | None = None
    include_null: Annotated[
        bool | None, Field(alias="includeNull", description="This property was added in v111.0.0")
    ] = None
    make: str | None = None
    model: str | None = None
    state: str | None = None
    type: g.SearchSuggestionType


class SearchPeopleDto(BaseModel):
    """The query parameters of `GET /search/person`."""

    model_config = ConfigDict(populate_by_name=True)

    name: Annotated[str, AfterValidator(_not_empty)]
    with_hidden: Annotated[bool | None, Field(alias="withHidden")] = None


class SearchPlacesDto(BaseModel):
    """The query parameters of `GET /search/places`."""

    model_config = ConfigDict(populate_by_name=True)

    name: Annotated[str, AfterValidator(_not_empty)]

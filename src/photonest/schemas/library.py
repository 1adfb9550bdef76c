"""Library request models with upstream's validation, and the library response mapping (`dtos/library.dto.ts`)."""

from __future__ import annotations

from typing import Annotated, Self

from pydantic import AfterValidator, Field, model_validator
from pydantic_core import PydanticCustomError

from photonest.records import Library
from photonest.schemas import generated as g


def _not_empty(value: str) -> str:
    if value == "":
        raise PydanticCustomError("not_empty", "should not be empty")
    return value


NotEmpty = Annotated[str, AfterValidator(_not_empty)]
PathList = Annotated[list[NotEmpty] | None, Field(max_length=128)]


def _unique(model: object, *names: tuple[str, str]) -> None:
    """class-validator's `@ArrayUnique()`, whose message names the property and no element."""
    for attribute, alias in names:
        values = getattr(model, attribute)
        if values is not None and len(set(values)) != len(values):
            raise PydanticCustomError("array_unique", f"All {alias}'s elements must be unique")


_LISTS = (("import_paths", "importPaths"), ("exclusion_patterns", "exclusionPatterns"))


class CreateLibraryDto(g.CreateLibraryDto):
    exclusion_patterns: Annotated[PathList, Field(alias="exclusionPatterns")] = None
    import_paths: Annotated[PathList, Field(alias="importPaths")] = None
    name: NotEmpty | None = None

    @model_validator(mode="after")
    def _unique_lists(self) -> Self:
        _unique(self, *_LISTS)
        return self


class UpdateLibraryDto(g.UpdateLibraryDto):
    exclusion_patterns: Annotated[PathList, Field(alias="exclusionPatterns")] = None
    import_paths: Annotated[PathList, Field(alias="importPaths")] = None
    name: NotEmpty | None = None

    @model_validator(mode="after")
    def _unique_lists(self) -> Self:
        _unique(self, *_LISTS)
        return self


class ValidateLibraryDto(g.ValidateLibraryDto):
    exclusion_patterns: Annotated[PathList, Field(alias="exclusionPatterns")] = None
    import_paths: Annotated[PathList, Field(alias="importPaths")] = None

    @model_validator(mode="after")
    def _unique_lists(self) -> Self:
        _unique(self, *_LISTS)
        return self


def map_library(found: Library, asset_count: int) -> g.LibraryResponseDto:
    return g.LibraryResponseDto(
        id=str(found.id),
        owner_id=str(found.owner_id),
        name=found.name,
        import_paths=list(found.import_paths),
        exclusion_patterns=list(found.exclusion_patterns),
        asset_count=asset_count,
        created_at=found.created_at,
        updated_at=found.updated_at,
        refreshed_at=found.refreshed_at,
    )

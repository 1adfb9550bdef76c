"""Library request models with upstream's validation, and the library response mapping (`dtos/library.dto.ts`)."""

from __future__ import annotations

from typing import Annotated, Self

from pydantic import AfterValidator, BaseModel, Field, model_validator
from pydantic_core import PydanticCustomError

from photonest.records import Library
from photonest.schemas import generated as g


def _not_empty(value: str) -> str:
    if value == "":
        raise PydanticCustomError("not_empty", "should not be empty")
    return value


NotEmpty = Annotated[str, AfterValidator(_not_empty)]
PathList = Annotated[list[NotEmpty] | None, Field(max_length=128)]


class _PathLists(BaseModel):
    """The import paths and exclusion patterns every library request carries, with class-validator's checks."""

    exclusion_patterns: Annotated[PathList, Field(alias="exclusionPatterns")] = None
    import_paths: Annotated[PathList, Field(alias="importPaths")] = None

    @model_validator(mode="after")
    def _unique_lists(self) -> Self:
        # class-validator's `@ArrayUnique()`, whose message names the property and no element.
        for values, alias in ((self.import_paths, "importPaths"), (self.exclusion_patterns, "exclusionPatterns")):
            if values is not None and len(set(values)) != len(values):
                raise PydanticCustomError("array_unique", f"All {alias}'s elements must be unique")
        return self


class CreateLibraryDto(_PathLists, g.CreateLibraryDto):
    name: NotEmpty | None = None


class UpdateLibraryDto(_PathLists, g.UpdateLibraryDto):
    name: NotEmpty | None = None


class ValidateLibraryDto(_PathLists, g.ValidateLibraryDto):
    pass


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

"""Person responses (`person.dto.ts`)."""

from __future__ import annotations

from photonest.records import Person
from photonest.schemas import generated as g


def map_person(person: Person) -> g.PersonResponseDto:
    """A person as upstream's `mapPerson`."""
    return g.PersonResponseDto(
        id=str(person.id),
        name=person.name,
        birth_date=person.birth_date,
        thumbnail_path=person.thumbnail_path,
        is_hidden=person.is_hidden,
        is_favorite=person.is_favorite,
        updated_at=person.updated_at,
        color=person.color,
    )

"""People, their faces and face embeddings (`person.repository.ts`)."""

from __future__ import annotations

from photonest.repositories.base import Repository


class PersonRepository(Repository):
    """People, faces and nearest-face queries."""

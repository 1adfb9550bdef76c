"""External libraries and their assets (`library.repository.ts`)."""

from __future__ import annotations

from photonest.repositories.base import Repository


class LibraryRepository(Repository):
    """Libraries and the library-side asset queries."""

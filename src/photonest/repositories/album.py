"""SQL for albums."""

from __future__ import annotations

from photonest.repositories.base import Repository


class AlbumRepository(Repository):
    """SQL for the `album` tables."""

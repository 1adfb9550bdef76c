"""Groups of assets marked as duplicates of each other (`duplicate.repository.ts`)."""

from __future__ import annotations

from photonest.repositories.base import Repository


class DuplicateRepository(Repository):
    """Reads and writes `asset.duplicate_id` groups."""

"""CLIP embeddings and the nearest-neighbour queries over them (`search.repository.ts`, smart search part)."""

from __future__ import annotations

from photonest.repositories.base import Repository


class SmartSearchRepository(Repository):
    """Embeddings per asset, ranked search and duplicate candidates."""

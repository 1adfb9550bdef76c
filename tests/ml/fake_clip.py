"""A stand-in CLIP encoder with chosen vectors, and helpers to give assets embeddings."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from uuid import UUID

import numpy as np
from numpy.typing import NDArray

from photonest.container import Container
from photonest.ml.faces import FaceModels
from photonest.ml.protocols import MachineLearning, ModelChoice, ModelUnavailableError, Vector
from photonest.repositories import Repositories

DIM = 512


def unit(vector: Any) -> NDArray[np.float32]:
    array = np.asarray(vector, dtype=np.float32)
    return array / np.linalg.norm(array)


def random_unit(seed: int, dim: int = DIM) -> NDArray[np.float32]:
    return unit(np.random.default_rng(seed).standard_normal(dim))


def near(vector: NDArray[np.float32], distance: float, seed: int = 0) -> NDArray[np.float32]:
    """A unit vector at about this cosine distance from `vector`."""
    other = np.random.default_rng(seed).standard_normal(vector.shape[0]).astype(np.float32)
    other -= other.dot(vector) * vector
    other = unit(other)
    cos = 1 - distance
    return unit(cos * vector + np.sqrt(max(0.0, 1 - cos * cos)) * other)


class FakeClip:
    """Texts and images (by file name) map to the vectors a test chose; records the calls."""

    def __init__(self, available: bool = True) -> None:
        self.available = available
        self.texts: dict[str, Vector] = {}
        self.images: dict[str, Vector] = {}
        self.calls: list[tuple[str, str, str | None]] = []

    def is_available(self, model: ModelChoice) -> bool:
        return self.available

    def encode_image(self, model: ModelChoice, image: Path) -> Vector:
        self.calls.append(("image", model.name, image.name))
        if not self.available:
            raise ModelUnavailableError(model.name)
        return self.images[image.name]

    def encode_text(self, model: ModelChoice, text: str, language: str | None = None) -> Vector:
        self.calls.append(("text", text, language))
        if not self.available:
            raise ModelUnavailableError(model.name)
        return self.texts[text]


def use_fake_clip(container: Container, clip: Any) -> None:
    """Make every service of this container use `clip`."""
    container.ml = MachineLearning(clip=clip, faces=FaceModels(container.settings.models))


def embed(container: Container, asset_id: UUID, vector: Any) -> None:
    with container.unit_of_work() as uow:
        Repositories(uow).smart_search.save(asset_id, vector)


def restore_dimensions(container: Container) -> None:
    """Put the column back to the migration's 512 dimensions (tests share one PostgreSQL database)."""
    with container.unit_of_work() as uow:
        repos = Repositories(uow)
        if repos.smart_search.dimensions() not in (None, DIM):
            repos.smart_search.set_dimensions(DIM)

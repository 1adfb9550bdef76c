"""What the services need from machine learning, independent of where the models run."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

Vector = NDArray[np.float32]


class ModelUnavailableError(Exception):
    """The model is neither in the model folder nor reachable through a configured ML service."""


@dataclass(frozen=True)
class ModelChoice:
    """A model by its Immich name (e.g. `ViT-B-32__openai`, `buffalo_l`) and the ML service URLs to fall back on."""

    name: str
    urls: tuple[str, ...] = ()


@dataclass(frozen=True)
class DetectedFace:
    """One face: its box in the analysed image's pixels, the detector's score and the face's embedding."""

    x1: int
    y1: int
    x2: int
    y2: int
    score: float
    embedding: Vector


@dataclass(frozen=True)
class FaceDetection:
    """The faces found in an image and the size of the image the boxes refer to."""

    image_width: int
    image_height: int
    faces: Sequence[DetectedFace] = field(default_factory=list)


class ClipEncoder(Protocol):
    """CLIP: images and texts into one embedding space (unit-length vectors)."""

    def is_available(self, model: ModelChoice) -> bool: ...

    def encode_image(self, model: ModelChoice, image: Path) -> Vector: ...

    def encode_text(self, model: ModelChoice, text: str, language: str | None = None) -> Vector: ...


class FaceAnalyzer(Protocol):
    """Face detection plus one recognition embedding per face."""

    def is_available(self, model: ModelChoice) -> bool: ...

    def detect(self, model: ModelChoice, image: Path, min_score: float) -> FaceDetection: ...


@dataclass
class MachineLearning:
    """The ML adapters a process uses (fakes in tests)."""

    clip: ClipEncoder
    faces: FaceAnalyzer

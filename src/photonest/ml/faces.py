"""Face detection and recognition models."""

from __future__ import annotations

from pathlib import Path

from photonest.ml.protocols import FaceDetection, ModelChoice, ModelUnavailableError


class FaceModels:
    """Face analyzers by model name."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def is_available(self, model: ModelChoice) -> bool:
        return False

    def detect(self, model: ModelChoice, image: Path, min_score: float) -> FaceDetection:
        raise ModelUnavailableError(model.name)

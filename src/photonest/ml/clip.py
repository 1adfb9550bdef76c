"""CLIP models in Immich's ONNX folder layout."""

from __future__ import annotations

from pathlib import Path

from photonest.ml.protocols import ModelChoice, ModelUnavailableError, Vector


class ClipModels:
    """CLIP encoders by model name, loaded from the model folder on first use."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def is_available(self, model: ModelChoice) -> bool:
        return False

    def encode_image(self, model: ModelChoice, image: Path) -> Vector:
        raise ModelUnavailableError(model.name)

    def encode_text(self, model: ModelChoice, text: str, language: str | None = None) -> Vector:
        raise ModelUnavailableError(model.name)

"""The ML adapters of a process: local model folders first, the configured ML service URLs otherwise."""

from __future__ import annotations

from photonest.config.env import Settings
from photonest.ml.clip import ClipModels
from photonest.ml.faces import FaceModels
from photonest.ml.protocols import MachineLearning


def local_machine_learning(settings: Settings) -> MachineLearning:
    """CLIP and face models from `settings.models`, loaded on first use."""
    return MachineLearning(clip=ClipModels(settings.models), faces=FaceModels(settings.models))

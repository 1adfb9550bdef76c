"""The ML adapters of a process: local model folders first, the configured ML service URLs otherwise."""

from __future__ import annotations

from photonest.config.env import Settings
from photonest.ml.clip import ClipModels
from photonest.ml.clip_encoder import LocalOrRemoteClip
from photonest.ml.faces import FaceModels
from photonest.ml.protocols import MachineLearning
from photonest.ml.remote import RemoteClip, RemoteMachineLearning


def local_machine_learning(settings: Settings) -> MachineLearning:
    """CLIP and face models from `settings.models`, loaded on first use."""
    remote = RemoteMachineLearning()
    clip = LocalOrRemoteClip(ClipModels(settings.models), RemoteClip(remote))
    return MachineLearning(clip=clip, faces=FaceModels(settings.models, remote=remote))

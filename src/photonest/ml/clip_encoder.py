"""The CLIP encoder services use: the local model folder first, the configured ML service otherwise."""

from __future__ import annotations

import threading
from collections import OrderedDict
from pathlib import Path

from photonest.ml.clip import ClipModels
from photonest.ml.protocols import ModelChoice, ModelUnavailableError, Vector
from photonest.ml.remote import RemoteClip

# Recent search texts, as upstream's server keeps an LRU of query embeddings.
TEXT_CACHE_SIZE = 100


class LocalOrRemoteClip:
    """Runs a model from the model folder when it is there, else asks the ML service URLs of the choice."""

    def __init__(self, local: ClipModels, remote: RemoteClip) -> None:
        self.local = local
        self.remote = remote
        self._texts: OrderedDict[tuple[str, str, str | None], Vector] = OrderedDict()
        self._lock = threading.Lock()

    def is_available(self, model: ModelChoice) -> bool:
        return self.local.is_available(model) or (bool(model.urls) and self.remote.is_available(model))

    def encode_image(self, model: ModelChoice, image: Path) -> Vector:
        if self.local.is_available(model):
            return self.local.encode_image(model, image)
        if not model.urls:
            raise ModelUnavailableError(model.name)
        return self.remote.encode_image(model, image)

    def encode_text(self, model: ModelChoice, text: str, language: str | None = None) -> Vector:
        key = (model.name, text, language)
        with self._lock:
            cached = self._texts.get(key)
            if cached is not None:
                self._texts.move_to_end(key)
                return cached
        if self.local.is_available(model):
            vector = self.local.encode_text(model, text, language)
        elif model.urls:
            vector = self.remote.encode_text(model, text, language)
        else:
            raise ModelUnavailableError(model.name)
        with self._lock:
            self._texts[key] = vector
            while len(self._texts) > TEXT_CACHE_SIZE:
                self._texts.popitem(last=False)
        return vector

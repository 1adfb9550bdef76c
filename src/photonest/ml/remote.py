"""Client of an immich-machine-learning service (`POST /predict`), trying the configured URLs in order."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import httpx
import numpy as np

from photonest.ml.protocols import ModelChoice, ModelUnavailableError, Vector

log = logging.getLogger(__name__)

# Upstream's defaults: MACHINE_LEARNING_PING_TIMEOUT 2000 ms and a 30 s pause for a URL that did not answer.
PING_TIMEOUT = 2.0
DEAD_FOR = 30.0
# A URL that answered is not pinged again for this long.
ALIVE_FOR = 10.0
PREDICT_TIMEOUT = 120.0


class MachineLearningError(ModelUnavailableError):
    """No configured ML service answered the request."""


class RemoteMachineLearning:
    """Sends `/predict` requests to the first live URL of a list; remembers dead URLs for a while."""

    def __init__(
        self, transport: httpx.BaseTransport | None = None, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._client = httpx.Client(transport=transport)
        self._clock = clock
        self._dead_until: dict[str, float] = {}
        self._alive_until: dict[str, float] = {}
        self._lock = threading.Lock()

    def is_reachable(self, urls: Sequence[str]) -> bool:
        """Whether any of the URLs answers its ping."""
        return any(self._alive(url) for url in urls)

    def predict(self, urls: Sequence[str], entries: dict[str, Any], **payload: Any) -> dict[str, Any]:
        """The service's JSON answer for one `image` (bytes) or `text` (str) input."""
        if not urls:
            raise MachineLearningError("No machine learning URL is configured")
        # Always multipart, as upstream sends it; fields without a file name are plain form values.
        files: dict[str, tuple[str | None, Any] | tuple[str | None, Any, str]] = {
            "entries": (None, json.dumps(entries))
        }
        if "text" in payload:
            files["text"] = (None, payload["text"])
        if "image" in payload:
            files["image"] = ("image", payload["image"], "application/octet-stream")
        for index, url in enumerate(urls):
            last = index == len(urls) - 1
            if not last and not self._alive(url):
                continue
            try:
                response = self._client.post(_join(url, "predict"), files=files, timeout=PREDICT_TIMEOUT)
            except httpx.HTTPError as error:
                log.warning("Machine learning request to %s failed: %s", url, error)
                self._mark_dead(url)
                continue
            if response.status_code == 200:
                answer: dict[str, Any] = response.json()
                return answer
            log.warning("Machine learning request to %s failed with status %d", url, response.status_code)
        raise MachineLearningError(f"Machine learning request to {', '.join(urls)} failed")

    def _alive(self, url: str) -> bool:
        with self._lock:
            now = self._clock()
            if self._dead_until.get(url, 0.0) > now:
                return False
            if self._alive_until.get(url, 0.0) > now:
                return True
        try:
            response = self._client.get(_join(url, "ping"), timeout=PING_TIMEOUT)
            if response.status_code == 200:
                with self._lock:
                    self._alive_until[url] = self._clock() + ALIVE_FOR
                return True
        except httpx.HTTPError:
            pass
        self._mark_dead(url)
        return False

    def _mark_dead(self, url: str) -> None:
        with self._lock:
            self._dead_until[url] = self._clock() + DEAD_FOR
            self._alive_until.pop(url, None)

    def close(self) -> None:
        self._client.close()


class RemoteClip:
    """CLIP embeddings from an immich-machine-learning service."""

    def __init__(self, service: RemoteMachineLearning) -> None:
        self.service = service

    def is_available(self, model: ModelChoice) -> bool:
        return self.service.is_reachable(model.urls)

    def encode_image(self, model: ModelChoice, image: Path) -> Vector:
        entries = {"clip": {"visual": {"modelName": model.name}}}
        return _vector(self.service.predict(model.urls, entries, image=image.read_bytes()))

    def encode_text(self, model: ModelChoice, text: str, language: str | None = None) -> Vector:
        options = {"language": language} if language else {}
        entries = {"clip": {"textual": {"modelName": model.name, "options": options}}}
        return _vector(self.service.predict(model.urls, entries, text=text))


def _vector(answer: dict[str, Any]) -> Vector:
    # The service sends the embedding as a JSON string of numbers.
    value = answer.get("clip")
    if isinstance(value, str):
        value = json.loads(value)
    if not isinstance(value, list) or not value:
        raise MachineLearningError("The machine learning service sent no CLIP embedding")
    return np.asarray(value, dtype=np.float32)


def _join(url: str, path: str) -> str:
    return f"{url.rstrip('/')}/{path}"

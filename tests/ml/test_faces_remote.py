"""Faces from an immich-machine-learning service: the request upstream's server sends and the answer's format."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from photonest.ml.faces import FaceModels, remote_detect
from photonest.ml.faces_dlib import DlibFaces
from photonest.ml.protocols import ModelChoice, ModelUnavailableError


class FakeService:
    """Answers `/predict` like immich-machine-learning; records what it was asked."""

    def __init__(self) -> None:
        self.requests: list[tuple[Sequence[str], dict[str, Any], dict[str, Any]]] = []

    def is_reachable(self, urls: Sequence[str]) -> bool:
        return bool(urls)

    def predict(self, urls: Sequence[str], entries: dict[str, Any], **payload: Any) -> dict[str, Any]:
        self.requests.append((urls, entries, payload))
        embedding = json.dumps([0.5] * 512)
        face = {"boundingBox": {"x1": 10, "y1": 20, "x2": 110, "y2": 140}, "embedding": embedding, "score": 0.91}
        return {"facial-recognition": [face], "imageHeight": 480, "imageWidth": 640}


def test_remote_detection_sends_upstreams_request(tmp_path: Path) -> None:
    image = tmp_path / "preview.jpeg"
    image.write_bytes(b"jpeg bytes")
    service = FakeService()
    found = remote_detect(service, ModelChoice("buffalo_l", ("http://ml:3003",)), image, 0.7)
    urls, entries, payload = service.requests[0]
    assert urls == ("http://ml:3003",)
    assert entries == {
        "facial-recognition": {
            "detection": {"modelName": "buffalo_l", "options": {"minScore": 0.7}},
            "recognition": {"modelName": "buffalo_l"},
        }
    }
    assert payload == {"image": b"jpeg bytes"}
    assert (found.image_width, found.image_height) == (640, 480)
    (face,) = found.faces
    assert (face.x1, face.y1, face.x2, face.y2, face.score) == (10, 20, 110, 140, 0.91)
    assert face.embedding.shape == (512,) and np.allclose(face.embedding, 0.5)


def test_the_service_answers_only_without_dlib(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    image = tmp_path / "preview.jpeg"
    image.write_bytes(b"x")
    service = FakeService()
    monkeypatch.setattr(DlibFaces, "installed", staticmethod(lambda: False))
    models = FaceModels(tmp_path, remote=service)
    assert models.detect(ModelChoice("buffalo_l", ("http://ml:3003",)), image, 0.7).faces
    assert not FaceModels(tmp_path).is_available(ModelChoice("buffalo_l", ("http://ml:3003",)))
    with pytest.raises(ModelUnavailableError):
        FaceModels(tmp_path).detect(ModelChoice("buffalo_l"), image, 0.7)

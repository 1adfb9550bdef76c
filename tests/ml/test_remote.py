"""The immich-machine-learning client: the `/predict` request format, URL fail-over, and the local-first encoder."""

from __future__ import annotations

import json
from collections.abc import Callable
from email.parser import BytesParser
from email.policy import HTTP
from pathlib import Path

import httpx
import numpy as np
import pytest

from photonest.ml.clip import ClipModels
from photonest.ml.clip_encoder import LocalOrRemoteClip
from photonest.ml.protocols import ModelChoice, ModelUnavailableError
from photonest.ml.remote import DEAD_FOR, MachineLearningError, RemoteClip, RemoteMachineLearning
from tests.ml.tiny_clip import build_tiny_clip

VECTOR = [0.25, -0.5, 0.125, 1.0]


def form_fields(request: httpx.Request) -> dict[str, bytes]:
    """The multipart form of a request, by field name."""
    head = f"Content-Type: {request.headers['content-type']}\r\n\r\n".encode()
    message = BytesParser(policy=HTTP).parsebytes(head + request.read())
    return {
        part.get_param("name", header="content-disposition"): part.get_payload(decode=True)
        for part in message.iter_parts()
    }


class FakeService:
    """Answers /ping and /predict per host; records every request."""

    def __init__(self, down: set[str] | None = None, broken_ping: set[str] | None = None) -> None:
        self.down = down or set()
        self.broken_ping = broken_ping or set()
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        host = request.url.host
        if host in self.down:
            raise httpx.ConnectError("connection refused", request=request)
        if request.url.path == "/ping":
            return httpx.Response(500 if host in self.broken_ping else 200, text="pong")
        assert request.url.path == "/predict" and request.method == "POST"
        return httpx.Response(200, json={"clip": json.dumps(VECTOR)})

    def calls(self, path: str) -> list[str]:
        return [r.url.host for r in self.requests if r.url.path == path]


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def remote(service: Callable[[httpx.Request], httpx.Response], clock: Clock | None = None) -> RemoteClip:
    return RemoteClip(RemoteMachineLearning(httpx.MockTransport(service), clock=clock or Clock()))


def test_text_request_has_entries_and_text(tmp_path: Path) -> None:
    service = FakeService()
    vector = remote(service).encode_text(ModelChoice("ViT-B-32__openai", ("http://ml:3003",)), "a dog", "de")
    np.testing.assert_allclose(vector, VECTOR)
    assert vector.dtype == np.float32
    fields = form_fields(service.requests[-1])
    assert str(service.requests[-1].url) == "http://ml:3003/predict"
    expected = {"clip": {"textual": {"modelName": "ViT-B-32__openai", "options": {"language": "de"}}}}
    assert json.loads(fields["entries"]) == expected
    assert fields["text"] == b"a dog"
    assert "image" not in fields


def test_image_request_uploads_the_file(tmp_path: Path) -> None:
    service = FakeService()
    image = tmp_path / "preview.jpeg"
    image.write_bytes(b"\xff\xd8jpeg bytes")
    vector = remote(service).encode_image(ModelChoice("ViT-B-32__openai", ("http://ml:3003/",)), image)
    np.testing.assert_allclose(vector, VECTOR)
    fields = form_fields(service.requests[-1])
    assert json.loads(fields["entries"]) == {"clip": {"visual": {"modelName": "ViT-B-32__openai"}}}
    assert fields["image"] == b"\xff\xd8jpeg bytes"
    assert "text" not in fields


def test_dead_url_is_skipped_and_retried_after_a_while() -> None:
    service, clock = FakeService(down={"first"}), Clock()
    clip = remote(service, clock)
    model = ModelChoice("m", ("http://first:3003", "http://second:3003"))
    clip.encode_text(model, "cat")
    clip.encode_text(model, "dog")
    assert service.calls("/predict") == ["second", "second"]
    assert service.calls("/ping").count("first") == 1
    clock.now += DEAD_FOR + 1
    service.down.clear()
    clip.encode_text(model, "car")
    assert service.calls("/predict")[-1] == "first"


def test_last_url_is_always_tried() -> None:
    service = FakeService(broken_ping={"only"})
    model = ModelChoice("m", ("http://only:3003",))
    np.testing.assert_allclose(remote(service).encode_text(model, "cat"), VECTOR)


def test_no_answer_from_any_url_raises() -> None:
    service = FakeService(down={"a", "b"})
    with pytest.raises(MachineLearningError):
        remote(service).encode_text(ModelChoice("m", ("http://a", "http://b")), "cat")
    with pytest.raises(ModelUnavailableError):
        remote(service).encode_text(ModelChoice("m", ()), "cat")


def test_error_status_and_bad_answers_raise() -> None:
    def failing(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, text="pong") if request.url.path == "/ping" else httpx.Response(422, json={})

    with pytest.raises(MachineLearningError):
        remote(failing).encode_text(ModelChoice("m", ("http://a",)), "cat")

    def empty(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, text="pong") if request.url.path == "/ping" else httpx.Response(200, json={})

    with pytest.raises(MachineLearningError):
        remote(empty).encode_text(ModelChoice("m", ("http://a",)), "cat")


def test_availability_pings_the_urls() -> None:
    assert remote(FakeService()).is_available(ModelChoice("m", ("http://a",)))
    assert not remote(FakeService(down={"a"})).is_available(ModelChoice("m", ("http://a",)))
    assert not remote(FakeService()).is_available(ModelChoice("m", ()))


def make_encoder(tmp_path: Path, service: FakeService) -> LocalOrRemoteClip:
    return LocalOrRemoteClip(ClipModels(tmp_path / "models"), remote(service))


def test_local_model_wins_over_the_service(tmp_path: Path) -> None:
    build_tiny_clip(tmp_path / "models")
    service = FakeService()
    encoder = make_encoder(tmp_path, service)
    model = ModelChoice("ViT-B-32__openai", ("http://ml:3003",))
    assert encoder.is_available(model)
    assert encoder.encode_text(model, "red cat").shape == (8,)
    assert service.requests == []


def test_service_is_used_without_a_local_model(tmp_path: Path) -> None:
    service = FakeService()
    encoder = make_encoder(tmp_path, service)
    model = ModelChoice("ViT-B-32__openai", ("http://ml:3003",))
    assert encoder.is_available(model)
    np.testing.assert_allclose(encoder.encode_text(model, "cat"), VECTOR)
    assert not encoder.is_available(ModelChoice("ViT-B-32__openai"))
    with pytest.raises(ModelUnavailableError):
        encoder.encode_text(ModelChoice("ViT-B-32__openai"), "dog")


def test_recent_texts_are_not_encoded_again(tmp_path: Path) -> None:
    service = FakeService()
    encoder = make_encoder(tmp_path, service)
    model = ModelChoice("ViT-B-32__openai", ("http://ml:3003",))
    encoder.encode_text(model, "cat")
    encoder.encode_text(model, "cat")
    encoder.encode_text(model, "cat", "de")
    assert len(service.calls("/predict")) == 2

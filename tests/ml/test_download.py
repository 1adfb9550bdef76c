"""Downloading a model from a Hugging Face style hub: a small local HTTP server plays the hub."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from photonest.__main__ import main
from photonest.ml.clip import ClipModels
from photonest.ml.download import ModelDownloadError, download_model
from photonest.ml.protocols import ModelChoice
from tests.ml.tiny_clip import build_tiny_clip


class Hub:
    """Serves `immich-app/<name>` repositories from folders, as the hub's model API and resolve URLs do."""

    def __init__(self, repos: dict[str, Path]) -> None:
        self.repos = repos
        self.missing: set[str] = set()
        self.requested: list[str] = []

    def files(self, name: str) -> list[str]:
        root = self.repos[name]
        return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[tuple[Hub, str]]:
    source = tmp_path / "hub"
    tiny = build_tiny_clip(source)
    (tiny.folder / "README.md").write_text("# tiny")
    (tiny.folder / "rknpu" / "visual").mkdir(parents=True)
    (tiny.folder / "rknpu" / "visual" / "model.rknn").write_bytes(b"accelerator only")
    state = Hub({"ViT-B-32__openai": tiny.folder})

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state.requested.append(self.path)
            parts = self.path.strip("/").split("/")
            if parts[:3] == ["api", "models", "immich-app"] and parts[3] in state.repos:
                body = json.dumps(
                    {"id": f"immich-app/{parts[3]}", "siblings": [{"rfilename": f} for f in state.files(parts[3])]}
                ).encode()
                return self._send(200, body)
            if len(parts) >= 5 and parts[0] == "immich-app" and parts[2:4] == ["resolve", "main"]:
                name, path = parts[1], "/".join(parts[4:])
                file = state.repos.get(name, Path("/nonexistent")) / path
                if path not in state.missing and file.is_file():
                    return self._send(200, file.read_bytes())
            return self._send(404, b'{"error": "Repository not found"}')

        def _send(self, status: int, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_download_puts_a_loadable_model_in_place(tmp_path: Path, hub: tuple[Hub, str]) -> None:
    state, url = hub
    models = tmp_path / "models"
    target = download_model("ViT-B-32__openai", models, endpoint=url)
    assert target == models / "clip" / "ViT-B-32__openai"
    assert (target / "textual" / "tokenizer.json").is_file() and (target / "README.md").is_file()
    assert not (target / "rknpu").exists()
    assert not any("rknn" in path for path in state.requested)
    clip = ClipModels(models)
    assert clip.is_available(ModelChoice("ViT-B-32__openai"))
    assert clip.encode_text(ModelChoice("ViT-B-32__openai"), "red cat").shape == (8,)
    assert sorted(p.name for p in (models / "clip").iterdir()) == ["ViT-B-32__openai"]


def test_failed_download_leaves_nothing_behind(tmp_path: Path, hub: tuple[Hub, str]) -> None:
    state, url = hub
    state.missing.add("textual/model.onnx")
    models = tmp_path / "models"
    with pytest.raises(ModelDownloadError):
        download_model("ViT-B-32__openai", models, endpoint=url)
    assert list((models / "clip").iterdir()) == []
    with pytest.raises(ModelDownloadError):
        download_model("no-such-model", models, endpoint=url)


def test_failed_download_keeps_the_previous_copy(tmp_path: Path, hub: tuple[Hub, str]) -> None:
    state, url = hub
    models = tmp_path / "models"
    download_model("ViT-B-32__openai", models, endpoint=url)
    state.missing.add("visual/model.onnx")
    with pytest.raises(ModelDownloadError):
        download_model("ViT-B-32__openai", models, endpoint=url)
    assert ClipModels(models).is_available(ModelChoice("ViT-B-32__openai"))
    state.missing.clear()
    (state.repos["ViT-B-32__openai"] / "README.md").write_text("# newer")
    download_model("ViT-B-32__openai", models, endpoint=url)
    assert (models / "clip" / "ViT-B-32__openai" / "README.md").read_text() == "# newer"
    assert sorted(p.name for p in (models / "clip").iterdir()) == ["ViT-B-32__openai"]


def test_invalid_names_are_refused(tmp_path: Path) -> None:
    for name in ("", "..", "a/b"):
        with pytest.raises(ModelDownloadError):
            download_model(name, tmp_path, endpoint="http://127.0.0.1:9")


def test_command_downloads_into_the_model_folder(
    tmp_path: Path, hub: tuple[Hub, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _, url = hub
    monkeypatch.setenv("IMMICH_MEDIA_LOCATION", str(tmp_path / "media"))
    monkeypatch.setenv("PHOTONEST_MODEL_FOLDER", str(tmp_path / "models"))
    assert main(["download-model", "ViT-B-32__openai", "--hub", url]) == 0
    assert (tmp_path / "models" / "clip" / "ViT-B-32__openai" / "visual" / "model.onnx").is_file()
    assert main(["download-model", "missing", "--hub", url]) == 1
    assert "download of missing failed" in capsys.readouterr().err

"""Fetch an Immich ONNX model from Hugging Face (`immich-app/<name>`) into the model folder."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import httpx

HUB = "https://huggingface.co"
FACE_MODELS = frozenset({"buffalo_l", "buffalo_m", "buffalo_s", "antelopev2"})
# Exports for accelerators this server does not use (as upstream's ML service skips them on CPU).
_SKIPPED_SUFFIXES = (".armnn", ".rknn")
_SKIPPED_PREFIXES = ("rknpu/", "armnn/", ".")


class ModelDownloadError(Exception):
    """The hub did not serve the model."""


def task_folder(name: str) -> str:
    """`facial-recognition` for the insightface packs, `clip` for everything else."""
    return "facial-recognition" if name in FACE_MODELS else "clip"


def download_model(
    name: str,
    models: Path,
    *,
    endpoint: str = HUB,
    transport: httpx.BaseTransport | None = None,
    progress: Callable[[str], None] | None = None,
) -> Path:
    """Download every file of `immich-app/<name>` and move the finished folder into place; return it."""
    if not name or "/" in name or name in (".", ".."):
        raise ModelDownloadError(f"Invalid model name: {name!r}")
    target = models / task_folder(name) / name
    target.parent.mkdir(parents=True, exist_ok=True)
    base = endpoint.rstrip("/")
    with httpx.Client(transport=transport, follow_redirects=True, timeout=httpx.Timeout(60.0, read=300.0)) as client:
        files = _list_files(client, f"{base}/api/models/immich-app/{name}")
        staging = Path(tempfile.mkdtemp(prefix=f".{name}.", dir=target.parent))
        try:
            for path in files:
                if progress:
                    progress(path)
                _fetch(client, f"{base}/immich-app/{name}/resolve/main/{path}", staging / path)
            _replace(staging, target)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return target


def _list_files(client: httpx.Client, url: str) -> list[str]:
    response = client.get(url)
    if response.status_code != 200:
        raise ModelDownloadError(f"{url} answered {response.status_code}")
    siblings = response.json().get("siblings", [])
    names = [str(entry["rfilename"]) for entry in siblings if isinstance(entry, dict) and "rfilename" in entry]
    wanted = [n for n in names if not n.endswith(_SKIPPED_SUFFIXES) and not n.startswith(_SKIPPED_PREFIXES)]
    for name in wanted:
        if name.startswith("/") or ".." in Path(name).parts:
            raise ModelDownloadError(f"Refusing file name {name!r}")
    if not wanted:
        raise ModelDownloadError(f"{url} lists no files")
    return wanted


def _fetch(client: httpx.Client, url: str, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    with client.stream("GET", url) as response:
        if response.status_code != 200:
            raise ModelDownloadError(f"{url} answered {response.status_code}")
        with target.open("wb") as out:
            for chunk in response.iter_bytes(1 << 20):
                out.write(chunk)


def _replace(staging: Path, target: Path) -> None:
    # Two renames so that a reader sees either the old complete folder or the new one.
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}.old")
        shutil.rmtree(old, ignore_errors=True)
        target.rename(old)
    staging.rename(target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def run_download(models: Path, name: str, hub: str | None) -> int:
    """The `photonest download-model` command: 0 on success, 1 with a message otherwise."""
    import os
    import sys

    endpoint = hub or os.environ.get("HF_ENDPOINT") or HUB
    try:
        target = download_model(name, models, endpoint=endpoint, progress=lambda path: print(f"Downloading {path}"))
    except (ModelDownloadError, httpx.HTTPError, OSError) as error:
        print(f"photonest: download of {name} failed: {error}", file=sys.stderr)
        return 1
    print(f"Model {name} is in {target}")
    return 0

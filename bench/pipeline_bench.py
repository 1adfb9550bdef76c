"""Media pipeline benchmark: metadata extraction + thumbnail jobs through the services against the bare library calls.

On ~30 synthetic 12 MP JPEGs (generated once into a cache folder, shared with upload_bench.py) and on the real
photos of /work/shared/test-assets (JPEG, PNG, WebP, read in place), it times, in one thread on SQLite:

- the pipeline: asset rows made, one `metadataExtraction` job queued per asset, then `run_pending_jobs` (metadata
  extraction, then the thumbnail job it queues: decode, preview, thumbnail, thumbhash, database writes, events);
- the bare cost (the baseline) on the same files: one exiftool read through one stay_open process, Pillow decode
  with draft, resize to 1440 short side JPEG q80 (4:4:4, as the pipeline writes it), 250 WebP q80, thumbhash.

The baseline runs before and after the pipeline and the faster of the two is kept (page cache, warm-up).
It prints images/s per worker for both and the ratio of the pipeline's time to the bare time (target <= 1.2x).

    .venv/bin/python bench/pipeline_bench.py
    .venv/bin/python bench/pipeline_bench.py --count 10 --no-real
"""

from __future__ import annotations

import argparse
import hashlib
import math
import os
import shutil
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import fast_thumbhash
from PIL import Image

from photonest.config.env import Settings
from photonest.container import Container, build_container
from photonest.db import migrate
from photonest.db.engine import create_db_engine
from photonest.jobs.runner import run_pending_jobs
from photonest.media.exiftool import ExifTool
from photonest.repositories import Repositories

sys.path.insert(0, str(Path(__file__).resolve().parent))
from synthetic_jpegs import ensure_jpegs

SHARED = Path("/work/shared/test-assets")
REAL_EXTENSIONS = {".jpg", ".jpeg", ".png", ".webp"}


# ---------------------------------------------------------------------------------------------------------------
# Bare library calls


def fit_short_side(width: int, height: int, size: int) -> tuple[int, int]:
    scale = size / min(width, height)
    if scale >= 1:
        return width, height
    return max(1, round(width * scale)), max(1, round(height * scale))


def bare_one(exiftool: ExifTool, source: Path, out: Path) -> None:
    exiftool.read_tags(source)
    with Image.open(source) as image:
        if image.format in ("JPEG", "MPO"):
            scale = 1440 / min(image.size)
            if scale < 1:
                image.draft(image.mode, (math.ceil(image.width * scale), math.ceil(image.height * scale)))
        image.load()
        rgb = image if image.mode == "RGB" else image.convert("RGB")
        preview_size = fit_short_side(rgb.width, rgb.height, 1440)
        preview = (
            rgb if preview_size == rgb.size else rgb.resize(preview_size, Image.Resampling.LANCZOS, reducing_gap=3.0)
        )
        preview.save(out / "preview.jpeg", "JPEG", quality=80, subsampling=0)
        thumb_size = fit_short_side(preview.width, preview.height, 250)
        thumbnail = preview.resize(thumb_size, Image.Resampling.LANCZOS, reducing_gap=3.0)
        thumbnail.save(out / "thumbnail.webp", "WEBP", quality=80, method=4)
        scale = min(1.0, 100 / max(preview.size))
        small_size = (max(1, round(preview.width * scale)), max(1, round(preview.height * scale)))
        small = preview.resize(small_size, Image.Resampling.LANCZOS, reducing_gap=3.0).convert("RGBA")
        fast_thumbhash.rgba_to_thumb_hash(small.width, small.height, small.tobytes())


def bare(files: list[Path], out: Path) -> float:
    out.mkdir(parents=True, exist_ok=True)
    with ExifTool() as exiftool:
        exiftool.read_tags(files[0])  # start the stay_open process outside the timing
        start = time.perf_counter()
        for source in files:
            bare_one(exiftool, source, out)
        return time.perf_counter() - start


# ---------------------------------------------------------------------------------------------------------------
# The pipeline


def add_assets(container: Container, owner_id: uuid.UUID, files: list[Path], tag: str) -> None:
    """Copy each file into the owner's upload folder, make its asset row and queue its metadata extraction."""
    when = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
    folder = container.storage.root / "upload" / str(owner_id) / tag
    folder.mkdir(parents=True, exist_ok=True)
    with container.unit_of_work() as uow:
        repos = Repositories(uow)
        for n, source in enumerate(files):
            asset_id = uuid.uuid4()
            target = folder / f"{n:04d}-{source.name}"
            shutil.copyfile(source, target)
            repos.assets.create(
                {
                    "id": asset_id,
                    "owner_id": owner_id,
                    "device_asset_id": f"{tag}-{n}",
                    "device_id": "bench",
                    "type": "IMAGE",
                    "original_path": str(target),
                    "original_file_name": source.name,
                    "file_created_at": when,
                    "file_modified_at": when,
                    "local_date_time": when,
                    "checksum": hashlib.sha1(f"{tag}/{n}/{source}".encode()).digest(),
                }
            )
            repos.jobs.enqueue("metadataExtraction", "metadata-extraction", {"id": str(asset_id), "source": "upload"})


def pipeline(container: Container, owner_id: uuid.UUID, files: list[Path], tag: str) -> tuple[float, int]:
    add_assets(container, owner_id, files, tag)
    start = time.perf_counter()
    jobs = run_pending_jobs(container)
    return time.perf_counter() - start, jobs


# ---------------------------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=30, help="synthetic JPEGs")
    parser.add_argument("--width", type=int, default=4000)
    parser.add_argument("--height", type=int, default=3000)
    parser.add_argument("--no-real", action="store_true", help=f"skip the real photos of {SHARED}")
    args = parser.parse_args()

    sets = {f"synthetic {args.width}x{args.height}": ensure_jpegs(args.count, args.width, args.height)}
    if not args.no_real and SHARED.is_dir():
        real = sorted(p for p in SHARED.rglob("*") if p.is_file() and p.suffix.lower() in REAL_EXTENSIONS)
        sets["real photos (test-assets)"] = real
    print(f"machine: {os.cpu_count()} CPUs, python {sys.version.split()[0]}; one worker thread, SQLite")

    with tempfile.TemporaryDirectory(prefix="photonest-pipeline-bench-") as temp:
        root = Path(temp)
        media = root / "media"
        media.mkdir()
        engine = create_db_engine(f"sqlite:///{root / 'bench.db'}")
        migrate.upgrade(engine)
        container = build_container(Settings(media_location=media, machine_learning_enabled=False), engine)
        container.storage.ensure_folders()
        with container.unit_of_work() as uow:
            owner = Repositories(uow).users.create({"email": "bench@immich.cloud", "name": "Bench", "password": "x"})
        container.media_toolkit()
        # Warm-up: one asset through the whole pipeline (starts exiftool, imports, first queries).
        pipeline(container, owner.id, next(iter(sets.values()))[:1], "warmup")

        rows = []
        for name, files in sets.items():
            megapixels = sum(w * h for w, h in (Image.open(p).size for p in files)) / 1e6 / len(files)
            bare_before = bare(files, root / "bare")
            seconds, jobs = pipeline(container, owner.id, files, name.split()[0])
            bare_after = bare(files, root / "bare")
            rows.append((name, len(files), megapixels, jobs, seconds, min(bare_before, bare_after), bare_before,
                         bare_after))  # fmt: skip
        close = getattr(container.media_toolkit().metadata, "close", None)
        if close is not None:
            close()  # the pipeline's stay_open exiftool
        engine.dispose()

    print()
    print(f"{'set':<28} {'files':>5} {'MP avg':>6} {'jobs':>5} {'pipeline img/s':>14} {'bare img/s':>10} "
          f"{'ratio':>6}  bare runs (s)")  # fmt: skip
    for name, count, megapixels, jobs, seconds, bare_s, before, after in rows:
        print(f"{name:<28} {count:>5} {megapixels:>6.1f} {jobs:>5} {count / seconds:>14.2f} {count / bare_s:>10.2f} "
              f"{seconds / bare_s:>5.2f}x  {before:.2f} / {after:.2f}; pipeline {seconds:.2f}")  # fmt: skip
    print("ratio = pipeline time / bare time (target <= 1.20x)")


if __name__ == "__main__":
    main()

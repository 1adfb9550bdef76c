"""Face detection + embedding benchmark: faces and images per second for one worker, on preview-size images.

Preview-size inputs (long side 1440, the default preview) are made from the shared test photos: the portrait and
the craft-beer photo (one face each) and the nature album (no faces), written as JPEG files the way previews are.
In one run, single-threaded, over the same files:

- the baseline: the bare dlib calls on the decoded pixels (HOG detector, 5-point shape, ResNet descriptor),
  with decoding (Pillow open + array) timed in as the adapter has to do it too,
- the adapter: `FaceModels.detect` for the default model name (`buffalo_l`, answered by dlib), which adds the
  orientation check, threshold mapping, box clamping and the unit-length, zero-padded 512-d embedding.

    .venv/bin/python bench/faces_bench.py
    .venv/bin/python bench/faces_bench.py --rounds 5
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

from photonest.ml.faces import FaceModels
from photonest.ml.faces_dlib import DlibFaces
from photonest.ml.protocols import ModelChoice

ASSETS = Path("/work/shared/test-assets")
PREVIEW_SIZE = 1440


def make_previews(folder: Path) -> list[Path]:
    """Preview-size JPEGs of the test photos (faces and landscapes)."""
    sources = [ASSETS / "metadata/faces/portrait.jpg", ASSETS / "albums/text/craft-beer.jpg"]
    sources += sorted((ASSETS / "albums/nature").glob("*.jpg"))[:4]
    previews = []
    for source in sources:
        with Image.open(source) as opened:
            image = ImageOps.exif_transpose(opened).convert("RGB")
        scale = PREVIEW_SIZE / max(image.size)
        image = image.resize((round(image.width * scale), round(image.height * scale)), Image.Resampling.LANCZOS)
        target = folder / f"{source.stem}-preview.jpeg"
        image.save(target, "JPEG", quality=80)
        previews.append(target)
    return previews


def bare_dlib(dlib_faces: DlibFaces) -> Callable[[Path], int]:
    """Decode, detect (no upsampling at preview size), align and describe every face: the faces found."""
    models = dlib_faces.models()

    def run(path: Path) -> int:
        with Image.open(path) as opened:
            pixels = np.asarray(opened.convert("RGB"))
        rects, _, _ = models.detector.run(pixels, 0, 0.0)
        for rect in rects:
            shape = models.shape_predictor(pixels, rect)
            models.recognizer.compute_face_descriptor(pixels, shape, 0)
        return len(rects)

    return run


def adapter(models: FaceModels) -> Callable[[Path], int]:
    choice = ModelChoice("buffalo_l")

    def run(path: Path) -> int:
        return len(models.detect(choice, path, 0.7).faces)

    return run


def measure(name: str, run: Callable[[Path], int], previews: list[Path], rounds: int) -> float:
    run(previews[0])  # warm-up (model load, caches)
    faces = 0
    started = time.perf_counter()
    for _ in range(rounds):
        for path in previews:
            faces += run(path)
    elapsed = time.perf_counter() - started
    images = rounds * len(previews)
    print(
        f"{name:<28} {images / elapsed:7.2f} images/s  {faces / elapsed:7.2f} faces/s  "
        f"({faces} faces in {images} images, {elapsed:.2f} s)"
    )
    return images / elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3, help="passes over the preview set")
    args = parser.parse_args(argv)
    if not DlibFaces.installed():
        print("dlib is not installed", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        previews = make_previews(folder)
        sizes = sorted({Image.open(p).size for p in previews})
        print(f"{len(previews)} previews, sizes {sizes}, {args.rounds} rounds, one thread")
        baseline = measure("baseline: bare dlib calls", bare_dlib(DlibFaces()), previews, args.rounds)
        ours = measure("FaceModels.detect (dlib)", adapter(FaceModels(folder / "models")), previews, args.rounds)
        print(f"adapter / baseline: {ours / baseline:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

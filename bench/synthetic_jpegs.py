"""Real-size synthetic JPEGs (noise over gradients) for the upload and pipeline benchmarks, generated once.

A few distinct pictures are drawn and encoded; each file on disk is one of them with its own JPEG comment segment,
so every file has its own SHA-1 while generation stays cheap. The cache folder is kept between runs on purpose
(delete it to regenerate): `<tmp>/photonest-bench-jpegs/<width>x<height>/`.
"""

from __future__ import annotations

import io
import random
import struct
import tempfile
from pathlib import Path

from PIL import Image, ImageChops

DISTINCT_PICTURES = 12


def cache_folder(width: int, height: int) -> Path:
    return Path(tempfile.gettempdir()) / "photonest-bench-jpegs" / f"{width}x{height}"


def comment_segment(text: str) -> bytes:
    """A JPEG COM segment carrying `text` (goes right after SOI)."""
    payload = text.encode()
    return b"\xff\xfe" + struct.pack(">H", len(payload) + 2) + payload


def _picture(width: int, height: int, rng: random.Random) -> bytes:
    sigma = rng.uniform(14, 34)  # more noise, bigger file: ~2-6 MB at 12 MP
    gradient = Image.linear_gradient("L").resize((width, height)).rotate(rng.choice([0, 90, 180, 270]))
    radial = Image.radial_gradient("L").resize((width, height))
    noise = Image.effect_noise((width, height), sigma)
    picture = Image.merge(
        "RGB",
        (
            ImageChops.add(gradient, noise, 1.2),
            ImageChops.blend(radial, noise, rng.uniform(0.2, 0.6)),
            ImageChops.add(radial, gradient, 2.0, rng.randrange(64)),
        ),
    )
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", quality=rng.choice([85, 88, 90]))
    return buffer.getvalue()


def ensure_jpegs(count: int, width: int = 4000, height: int = 3000, *, log: bool = True) -> list[Path]:
    """`count` distinct JPEG files of `width`x`height` in the cache folder (made when missing)."""
    folder = cache_folder(width, height)
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / f"synthetic_{n:04d}.jpg" for n in range(count)]
    missing = [p for p in paths if not p.is_file()]
    if missing:
        if log:
            print(f"generating {len(missing)} JPEGs of {width}x{height} into {folder} (kept for later runs)")
        rng = random.Random(20240601)
        pictures = [_picture(width, height, rng) for _ in range(min(DISTINCT_PICTURES, count))]
        for path in missing:
            n = int(path.stem.split("_")[1])
            data = pictures[n % len(pictures)]
            temporary = path.with_suffix(".tmp")
            temporary.write_bytes(data[:2] + comment_segment(f"photonest bench {n}") + data[2:])
            temporary.replace(path)
    return paths

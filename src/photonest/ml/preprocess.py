"""CLIP input preparation as Immich's ML service does it: resize, centre crop, normalise; text clean-up."""

from __future__ import annotations

import re
import string
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray
from PIL import Image

_RESAMPLING = {
    "nearest": Image.Resampling.NEAREST,
    "bilinear": Image.Resampling.BILINEAR,
    "bicubic": Image.Resampling.BICUBIC,
    "lanczos": Image.Resampling.LANCZOS,
    "box": Image.Resampling.BOX,
    "hamming": Image.Resampling.HAMMING,
}
_PUNCTUATION = str.maketrans("", "", string.punctuation)
_SPACES = re.compile(r"\s+")


class ImagePreprocessor:
    """Turns a picture into the `[1, 3, size, size]` float32 tensor a CLIP visual model takes."""

    def __init__(self, config: dict[str, Any]) -> None:
        size = config["size"]
        self.size = int(size[0] if isinstance(size, Sequence) else size)
        self.resampling = _RESAMPLING.get(str(config.get("interpolation", "bicubic")).lower(), Image.Resampling.BICUBIC)
        self.mean = np.asarray(config.get("mean", [0.0, 0.0, 0.0]), dtype=np.float32)
        self.std = np.asarray(config.get("std", [1.0, 1.0, 1.0]), dtype=np.float32)
        # open_clip's default for configs that predate the field.
        self.resize_mode = str(config.get("resize_mode", "shortest"))
        if self.resize_mode not in ("shortest", "squash"):
            raise ValueError(f"Unsupported resize_mode {self.resize_mode!r}")

    def __call__(self, image: Image.Image) -> NDArray[np.float32]:
        image = image.convert("RGB") if image.mode != "RGB" else image
        if self.resize_mode == "squash":
            image = image.resize((self.size, self.size), resample=self.resampling)
        else:
            image = centre_crop(resize_shortest(image, self.size, self.resampling), self.size)
        pixels = np.asarray(image, dtype=np.float32) / 255.0
        normalised = (pixels - self.mean) / self.std
        return np.ascontiguousarray(normalised.transpose(2, 0, 1)[None], dtype=np.float32)


def resize_shortest(image: Image.Image, size: int, resampling: Image.Resampling) -> Image.Image:
    """Scale so that the shorter side is `size` pixels, keeping the aspect ratio."""
    width, height = image.size
    ratio = size / min(width, height)
    return image.resize((max(1, round(width * ratio)), max(1, round(height * ratio))), resample=resampling)


def centre_crop(image: Image.Image, size: int) -> Image.Image:
    """The middle square of `size` pixels a side."""
    width, height = image.size
    left, top = int((width - size) / 2), int((height - size) / 2)
    return image.crop((left, top, left + size, top + size))


def clean_text(text: str, canonicalize: bool = False) -> str:
    """Collapse white space; with `canonicalize` also drop punctuation and lower-case (open_clip's `clean` option)."""
    text = _SPACES.sub(" ", text).strip()
    if canonicalize:
        text = text.translate(_PUNCTUATION).lower()
    return text

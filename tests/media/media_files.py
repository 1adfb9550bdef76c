"""Test inputs: the shared test assets (used in place) and small generated files (DNG, SVG, odd image modes)."""

from __future__ import annotations

import io
import os
import struct
from pathlib import Path

import numpy as np
from PIL import Image

from photonest.media import mime_types

_CANDIDATES = [
    os.environ.get("PHOTONEST_TEST_ASSETS", ""),
    str(Path(__file__).resolve().parents[3] / "shared" / "test-assets"),
    "/work/shared/test-assets",
]
TEST_ASSETS = next((Path(c) for c in _CANDIDATES if c and Path(c).is_dir()), Path(_CANDIDATES[-1]))


def asset_files() -> list[Path]:
    """Every file under the shared test assets, sorted."""
    if not TEST_ASSETS.is_dir():
        return []
    return sorted(p for p in TEST_ASSETS.rglob("*") if p.is_file())


def asset_id(path: Path) -> str:
    return str(path.relative_to(TEST_ASSETS))


def image_assets() -> list[Path]:
    return [p for p in asset_files() if mime_types.is_image(p.name)]


def media_assets() -> list[Path]:
    """Images, videos and sidecars: everything the metadata step reads."""
    return [p for p in asset_files() if mime_types.is_asset(p.name) or mime_types.is_sidecar(p.name)]


def _ifd(entries: list[tuple[int, int, list[int] | list[tuple[int, int]] | bytes]], start: int) -> tuple[bytes, int]:
    """One little-endian TIFF IFD at `start` (long values follow it); returns (bytes, position of the next-IFD link)."""
    entries = sorted(entries, key=lambda entry: entry[0])
    extra_offset = start + 2 + len(entries) * 12 + 4
    head = bytearray(struct.pack("<H", len(entries)))
    extra = bytearray()
    for tag, kind, values in entries:
        if kind == 2:  # ASCII
            raw = bytes(values)  # type: ignore[arg-type]
            count = len(raw)
        elif kind in (5, 10):  # (S)RATIONAL
            raw = b"".join(struct.pack("<II" if kind == 5 else "<ii", *v) for v in values)  # type: ignore[misc]
            count = len(values)
        else:
            raw = struct.pack("<" + {1: "B", 3: "H", 4: "I"}[kind] * len(values), *values)
            count = len(values)
        if len(raw) <= 4:
            value = raw.ljust(4, b"\0")
        else:
            value = struct.pack("<I", extra_offset + len(extra))
            extra += raw + (b"\0" if len(raw) % 2 else b"")
        head += struct.pack("<HHI", tag, kind, count) + value
    next_pos = start + len(head)
    head += struct.pack("<I", 0)
    return bytes(head + extra), next_pos


def make_dng(
    path: Path, *, width: int = 64, height: int = 48, orientation: int = 1, preview: Image.Image | None = None
) -> Path:
    """A linear DNG LibRaw can develop (red left half, blue right half, green top band), with an optional preview."""
    rgb = np.zeros((height, width, 3), dtype=np.uint16)
    rgb[:, : width // 2, 0] = 50000
    rgb[:, width // 2 :, 2] = 50000
    rgb[: height // 4, :, 1] = 50000
    data = rgb.astype("<u2").tobytes()
    jpeg = b""
    if preview is not None:
        buffer = io.BytesIO()
        preview.save(buffer, "JPEG", quality=90)
        jpeg = buffer.getvalue()

    def raw_ifd(data_offset: int) -> list[tuple[int, int, list[int] | list[tuple[int, int]] | bytes]]:
        identity = [(1, 1), (0, 1), (0, 1), (0, 1), (1, 1), (0, 1), (0, 1), (0, 1), (1, 1)]
        return [
            (254, 4, [0]), (256, 4, [width]), (257, 4, [height]), (258, 3, [16, 16, 16]), (259, 3, [1]),
            (262, 3, [34892]), (271, 2, b"Photonest\0"), (272, 2, b"TestCam\0"), (273, 4, [data_offset]),
            (274, 3, [orientation]), (277, 3, [3]), (278, 4, [height]), (279, 4, [len(data)]), (284, 3, [1]),
            (50706, 1, [1, 4, 0, 0]), (50708, 2, b"Photonest TestCam\0"), (50721, 10, identity),
            (50778, 3, [21]), (50728, 5, [(1, 1), (1, 1), (1, 1)]),
        ]  # fmt: skip

    def preview_ifd(jpeg_offset: int) -> list[tuple[int, int, list[int] | list[tuple[int, int]] | bytes]]:
        assert preview is not None
        return [
            (254, 4, [1]), (256, 4, [preview.width]), (257, 4, [preview.height]), (258, 3, [8, 8, 8]),
            (259, 3, [7]), (262, 3, [6]), (273, 4, [jpeg_offset]), (277, 3, [3]), (278, 4, [preview.height]),
            (279, 4, [len(jpeg)]),
        ]  # fmt: skip

    first = 8
    second = first + len(_ifd(raw_ifd(0), first)[0])
    data_offset = second + (len(_ifd(preview_ifd(0), second)[0]) if preview is not None else 0)
    raw_bytes, next_pos = _ifd(raw_ifd(data_offset), first)
    out = bytearray(b"II*\0" + struct.pack("<I", first) + raw_bytes)
    if preview is not None:
        struct.pack_into("<I", out, next_pos, second)
        out += _ifd(preview_ifd(data_offset + len(data)), second)[0]
    out += data + jpeg
    path.write_bytes(bytes(out))
    return path


def quadrant_image(width: int = 60, height: int = 40) -> Image.Image:
    """An asymmetric test card: red top-left quadrant, blue bottom-right, white elsewhere."""
    image = Image.new("RGB", (width, height), (255, 255, 255))
    image.paste((255, 0, 0), (0, 0, width // 2, height // 2))
    image.paste((0, 0, 255), (width // 2, height // 2, width, height))
    return image


def dominant(image: Image.Image, box: tuple[float, float, float, float]) -> str:
    """'red', 'blue', 'green' or 'white' for the mean colour inside a relative box."""
    width, height = image.size
    crop = image.convert("RGB").crop(
        (int(box[0] * width), int(box[1] * height), int(box[2] * width), int(box[3] * height))
    )
    r, g, b = (sum(channel) / len(channel) for channel in zip(*crop.getdata(), strict=True))
    if r > 180 and g > 180 and b > 180:
        return "white"
    return max((("red", r), ("green", g), ("blue", b)), key=lambda item: item[1])[0]

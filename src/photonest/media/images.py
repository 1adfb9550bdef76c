"""Decode any supported image and write its preview, thumbnail, optional full-size copy and thumbhash.

Follows upstream's `generateImageThumbnails` (`server/src/services/media.service.ts`) and sharp pipeline
(`server/src/repositories/media.repository.ts`, v1.134.0): decode once at the size the largest output needs,
apply the orientation, resize with `fit: outside` and no enlargement (the short side becomes `size`), JPEG/WebP at
the configured quality with 4:4:4 chroma from quality 80, thumbhash from the decoded image shrunk to fit 100x100.

Libraries: Pillow (JPEG with `draft()` DCT scaling, PNG, WebP, AVIF, GIF, TIFF, BMP, JPEG 2000, PSD), pillow-heif
(HEIC/HEIF, which applies `irot`/`imir` itself), pillow-jxl-plugin (JPEG XL, whose decoder applies the codestream
orientation; Pillow's TIFF loader also turns TIFFs upright itself), rawpy/LibRaw for camera RAW. SVG has no decoder
here and raises UnsupportedImageError.

Colour: outputs are sRGB with an sRGB ICC profile, except that with `image.colorspace = p3` a source whose embedded
profile is a P3 profile keeps its pixels and profile (upstream converts every wide-gamut source to P3; other
wide-gamut sources are converted to sRGB here, as no P3 profile ships with the libraries used).
"""

from __future__ import annotations

import contextlib
import io
import logging
import math
import os
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any

import fast_thumbhash  # type: ignore[import-untyped,unused-ignore]
import pillow_heif
import pillow_jxl  # noqa: F401  (importing registers the JPEG XL plugin with Pillow)
import rawpy
from PIL import Image, ImageCms, UnidentifiedImageError

from photonest.media import mime_types

logger = logging.getLogger(__name__)

pillow_heif.register_heif_opener()
# Upstream decodes images of any size (sharp `limitInputPixels: false`); Pillow still refuses above twice this.
Image.MAX_IMAGE_PIXELS = 500_000_000

THUMBHASH_MAX_SIZE = 100
EXIF_ORIENTATION_TAG = 0x0112
# Decoders that already apply the file's rotation (Pillow's TIFF loader does since Pillow 11): applying EXIF
# orientation again would rotate twice.
_SELF_ORIENTING_FORMATS = frozenset({"HEIF", "JXL", "TIFF"})
_UNDECODABLE_EXTENSIONS = frozenset({".svg"})
# LibRaw's `flip` -> EXIF orientation.
_LIBRAW_FLIP_TO_ORIENTATION = {0: 1, 3: 3, 5: 8, 6: 6}


class UnsupportedImageError(ValueError):
    """No installed decoder can read this file."""


class ImageFormat(StrEnum):
    """Output formats of `image.*.format` in the system config."""

    JPEG = "jpeg"
    WEBP = "webp"


class Colorspace(StrEnum):
    """`image.colorspace` in the system config."""

    SRGB = "srgb"
    P3 = "p3"


@dataclass(frozen=True)
class OutputSpec:
    """One generated image: format, size of the short side, quality."""

    format: ImageFormat
    size: int
    quality: int


@dataclass(frozen=True)
class FullsizeSpec:
    """`image.fullsize`: a full-resolution web copy of originals browsers cannot show."""

    enabled: bool = False
    format: ImageFormat = ImageFormat.JPEG
    quality: int = 80


@dataclass(frozen=True)
class ImageOptions:
    """The `image` section of the system config, typed."""

    thumbnail: OutputSpec = OutputSpec(ImageFormat.WEBP, 250, 80)
    preview: OutputSpec = OutputSpec(ImageFormat.JPEG, 1440, 80)
    colorspace: Colorspace = Colorspace.P3
    extract_embedded: bool = False
    fullsize: FullsizeSpec = field(default_factory=FullsizeSpec)

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> ImageOptions:
        """Build from the whole system config or from its `image` section."""
        image = config.get("image", config)

        def spec(name: str) -> OutputSpec:
            section = image[name]
            return OutputSpec(ImageFormat(section["format"]), int(section["size"]), int(section["quality"]))

        fullsize = image.get("fullsize", {})
        return cls(
            thumbnail=spec("thumbnail"),
            preview=spec("preview"),
            colorspace=Colorspace(image.get("colorspace", Colorspace.P3)),
            extract_embedded=bool(image.get("extractEmbedded", False)),
            fullsize=FullsizeSpec(
                enabled=bool(fullsize.get("enabled", False)),
                format=ImageFormat(fullsize.get("format", ImageFormat.JPEG)),
                quality=int(fullsize.get("quality", 80)),
            ),
        )

    def wants_fullsize(self, original_filename: str) -> bool:
        """Whether a full-size copy is due: enabled and the original is not web-displayable (upstream's rule)."""
        return self.fullsize.enabled and not mime_types.is_web_supported_image(original_filename)


@dataclass(frozen=True)
class ImageTargets:
    """Where to write the outputs (their extensions are the caller's business); no fullsize path, no fullsize."""

    preview_path: Path
    thumbnail_path: Path
    fullsize_path: Path | None = None


@dataclass(frozen=True)
class GeneratedImages:
    """What was written, and what the pipeline stores."""

    thumbhash: bytes
    width: int  # the oriented source image
    height: int
    preview_size: tuple[int, int]
    thumbnail_size: tuple[int, int]
    fullsize_path: Path | None
    colorspace: Colorspace
    embedded_preview: bool = False


@dataclass
class DecodedImage:
    """A decoded, oriented image (possibly reduced in size) with its colour profile and full dimensions."""

    image: Image.Image
    width: int
    height: int
    icc_profile: bytes | None
    embedded_preview: bool = False


# ---------------------------------------------------------------------------------------------------------------
# Geometry


def fit_outside(width: int, height: int, size: int) -> tuple[int, int]:
    """Dimensions with the short side at `size`, never enlarged (sharp `fit: 'outside', withoutEnlargement`)."""
    short = min(width, height)
    if short <= size:
        return width, height
    scale = size / short
    if width <= height:
        return size, max(1, round(height * scale))
    return max(1, round(width * scale)), size


def fit_inside(width: int, height: int, size: int) -> tuple[int, int]:
    """Dimensions within `size` x `size`, never enlarged (sharp `fit: 'inside', withoutEnlargement`)."""
    long = max(width, height)
    if long <= size:
        return width, height
    scale = size / long
    return max(1, round(width * scale)), max(1, round(height * scale))


def apply_orientation(image: Image.Image, orientation: int | None) -> Image.Image:
    """Rotate/mirror pixels as EXIF orientation 1-8 says."""
    method = {
        2: Image.Transpose.FLIP_LEFT_RIGHT,
        3: Image.Transpose.ROTATE_180,
        4: Image.Transpose.FLIP_TOP_BOTTOM,
        5: Image.Transpose.TRANSPOSE,
        6: Image.Transpose.ROTATE_270,
        7: Image.Transpose.TRANSVERSE,
        8: Image.Transpose.ROTATE_90,
    }.get(orientation or 1)
    return image.transpose(method) if method is not None else image


def _swaps_axes(orientation: int | None) -> bool:
    return orientation in (5, 6, 7, 8)


def _resize(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    if image.size == size:
        return image
    return image.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)


# ---------------------------------------------------------------------------------------------------------------
# Decoding


def decode_image(
    source: Path,
    *,
    target_size: int | None = None,
    extract_embedded: bool = False,
    orientation: int | None = None,
) -> DecodedImage:
    """Decode and orient `source`; `target_size` (short side) lets decoders skip detail; None decodes fully."""
    # `orientation` only turns a RAW file's embedded preview, which has no trustworthy rotation of its own (upstream
    # passes the asset's EXIF orientation there too); everything else is turned by the file's own data.
    ext = mime_types.extension(source.name)
    if ext in _UNDECODABLE_EXTENSIONS:
        raise UnsupportedImageError(f"no decoder for {ext} files")
    if mime_types.is_raw(source.name):
        try:
            return _decode_raw(source, target_size, extract_embedded, orientation)
        except (rawpy.LibRawError, rawpy.NotSupportedError) as error:
            # Some RAW extensions (.psd, .raw from old compacts) are images Pillow reads.
            logger.debug("LibRaw cannot read %s (%s); trying Pillow", source, error)
    return _decode_pillow(source, target_size)


def _decode_pillow(source: Path, target_size: int | None) -> DecodedImage:
    try:
        image = Image.open(source)
    except (UnidentifiedImageError, OSError) as error:
        raise UnsupportedImageError(f"cannot decode {source.name}: {error}") from error
    with _closing_on_error(image):
        width, height = image.size
        file_orientation = _file_orientation(image)
        if target_size and image.format in ("JPEG", "MPO"):
            scale = target_size / min(width, height)
            if scale < 1:
                # DCT-domain downscaling: never below the requested size, so the final resize stays a reduction.
                image.draft(image.mode, (math.ceil(width * scale), math.ceil(height * scale)))
        icc = image.info.get("icc_profile") or None
        image.load()
        oriented = apply_orientation(image, file_orientation)
        if oriented is not image:
            image.close()
        if _swaps_axes(file_orientation):
            width, height = height, width
        return DecodedImage(oriented, width, height, icc)


def _file_orientation(image: Image.Image) -> int | None:
    if image.format in _SELF_ORIENTING_FORMATS:
        return None
    try:
        value = image.getexif().get(EXIF_ORIENTATION_TAG)
    except Exception:  # a broken EXIF block must not stop the thumbnail
        return None
    return value if isinstance(value, int) and 1 <= value <= 8 else None


def _decode_raw(source: Path, target_size: int | None, extract_embedded: bool, orientation: int | None) -> DecodedImage:
    with rawpy.imread(str(source)) as raw:
        sizes = raw.sizes
        flip_orientation = _LIBRAW_FLIP_TO_ORIENTATION.get(sizes.flip, 1)
        preview_orientation = orientation or flip_orientation
        full_w, full_h = sizes.width, sizes.height
        if _swaps_axes(flip_orientation):
            full_w, full_h = full_h, full_w
        if extract_embedded:
            embedded = _embedded_preview(raw)
            # Upstream only uses an embedded preview at least as large as the preview it makes.
            if embedded is not None and min(embedded.size) >= (target_size or 0):
                return _from_embedded(embedded, preview_orientation, full_w, full_h)
        try:
            half = bool(target_size) and min(sizes.width, sizes.height) // 2 >= (target_size or 0)
            rgb = raw.postprocess(use_camera_wb=True, output_bps=8, half_size=half)
        except rawpy.LibRawError as error:
            embedded = _embedded_preview(raw)
            if embedded is None:
                raise
            logger.info("LibRaw cannot develop %s (%s); using its embedded preview", source, error)
            return _from_embedded(embedded, preview_orientation, full_w, full_h)
    image = Image.fromarray(rgb)  # LibRaw has applied the flip already
    return DecodedImage(image, full_w, full_h, None)


def _embedded_preview(raw: Any) -> Image.Image | None:
    try:
        thumb = raw.extract_thumb()
    except (rawpy.LibRawError, rawpy.NotSupportedError):
        return None
    try:
        if thumb.format == rawpy.ThumbFormat.JPEG:
            image = Image.open(io.BytesIO(thumb.data))
            image.load()
            return image
        return Image.fromarray(thumb.data)
    except Exception:
        logger.debug("unreadable embedded preview", exc_info=True)
        return None


def _from_embedded(image: Image.Image, orientation: int | None, full_w: int, full_h: int) -> DecodedImage:
    icc = image.info.get("icc_profile") or None
    return DecodedImage(apply_orientation(image, orientation), full_w, full_h, icc, embedded_preview=True)


@contextlib.contextmanager
def _closing_on_error(image: Image.Image) -> Iterator[None]:
    try:
        yield
    except BaseException:
        image.close()
        raise


def image_dimensions(source: Path) -> tuple[int, int]:
    """The displayed (oriented) width and height without decoding the pixels."""
    if mime_types.is_raw(source.name):
        with contextlib.suppress(rawpy.LibRawError, rawpy.NotSupportedError), rawpy.imread(str(source)) as raw:
            sizes = raw.sizes
            swap = _swaps_axes(_LIBRAW_FLIP_TO_ORIENTATION.get(sizes.flip, 1))
            return (sizes.height, sizes.width) if swap else (sizes.width, sizes.height)
    try:
        with Image.open(source) as image:
            width, height = image.size
            return (height, width) if _swaps_axes(_file_orientation(image)) else (width, height)
    except (UnidentifiedImageError, OSError) as error:
        raise UnsupportedImageError(f"cannot read {source.name}: {error}") from error


# ---------------------------------------------------------------------------------------------------------------
# Colour


@cache
def srgb_profile_bytes() -> bytes:
    """A compact sRGB ICC profile to embed in outputs."""
    return bytes(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())


@cache
def _srgb_profile() -> ImageCms.ImageCmsProfile:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


def _profile_description(icc: bytes) -> str:
    try:
        return ImageCms.getProfileDescription(ImageCms.ImageCmsProfile(io.BytesIO(icc))).strip()
    except Exception:  # unreadable profile: treated as absent
        return ""


def _normalize_mode(image: Image.Image) -> Image.Image:
    """RGB, RGBA or L, whatever the decoder produced (16-bit, palette, CMYK, ...)."""
    mode = image.mode
    if mode in ("RGB", "RGBA", "L"):
        return image
    if mode in ("I;16", "I;16L", "I;16B", "I;16N", "I"):
        return image.convert("I").point(lambda value: value * (1 / 256)).convert("L")
    if mode == "F":
        return image.convert("L")
    if mode == "1":
        return image.convert("L")
    if mode in ("LA", "La", "PA", "RGBa"):
        return image.convert("RGBA")
    if mode == "P":
        return image.convert("RGBA" if "transparency" in image.info else "RGB")
    return image.convert("RGB")


def _to_output_colour(
    image: Image.Image, icc: bytes | None, colorspace: Colorspace
) -> tuple[Image.Image, bytes | None, Colorspace]:
    """Convert to the output colour space; returns the image, the profile to embed and the space used."""
    converted, profile, space = _convert_colour(image, icc, colorspace)
    # An RGB profile does not belong in a greyscale file; untagged grey displays the same.
    return converted, (None if converted.mode == "L" else profile), space


def _convert_colour(
    image: Image.Image, icc: bytes | None, colorspace: Colorspace
) -> tuple[Image.Image, bytes, Colorspace]:
    if image.mode == "CMYK" and icc is None:
        return image.convert("RGB"), srgb_profile_bytes(), Colorspace.SRGB
    if icc is None:
        return _normalize_mode(image), srgb_profile_bytes(), Colorspace.SRGB
    description = _profile_description(icc)
    if colorspace == Colorspace.P3 and "p3" in description.lower() and image.mode in ("RGB", "RGBA"):
        return image, icc, Colorspace.P3
    if "srgb" in description.lower() and image.mode != "CMYK":
        return _normalize_mode(image), srgb_profile_bytes(), Colorspace.SRGB
    try:
        source_profile = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        if image.mode not in ("RGB", "RGBA", "CMYK"):
            # Grey and other profiles: the pixels are close enough to sRGB once in a normal mode.
            return _normalize_mode(image), srgb_profile_bytes(), Colorspace.SRGB
        output_mode = "RGBA" if image.mode == "RGBA" else "RGB"
        converted = ImageCms.profileToProfile(
            image,
            source_profile,
            _srgb_profile(),
            renderingIntent=ImageCms.Intent.RELATIVE_COLORIMETRIC,
            outputMode=output_mode,
        )
        assert converted is not None
        return converted, srgb_profile_bytes(), Colorspace.SRGB
    except Exception as error:  # a broken profile must not stop the thumbnail
        logger.debug("ICC conversion failed (%s); using the pixels as they are", error)
        return _normalize_mode(image), srgb_profile_bytes(), Colorspace.SRGB


# ---------------------------------------------------------------------------------------------------------------
# Encoding


def _flatten(image: Image.Image) -> Image.Image:
    if image.mode != "RGBA":
        return image
    # JPEG has no alpha: composite on black like libvips' jpegsave default.
    background = Image.new("RGBA", image.size, (0, 0, 0, 255))
    return Image.alpha_composite(background, image).convert("RGB")


def encode_image(image: Image.Image, path: Path, fmt: ImageFormat, quality: int, icc: bytes | None) -> None:
    """Write `image` atomically (temporary name in the same folder, then rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        if fmt == ImageFormat.JPEG:
            # Upstream sets 4:4:4 chroma from quality 80 (libvips' own threshold is 90).
            _flatten(image).save(
                temporary, "JPEG", quality=quality, subsampling=0 if quality >= 80 else 2, icc_profile=icc
            )
        else:
            image.save(temporary, "WEBP", quality=quality, method=4, icc_profile=icc)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
        raise


def thumbhash(image: Image.Image) -> bytes:
    """The ThumbHash of an image shrunk to fit 100x100, from RGBA (upstream: `rgbaToThumbHash`)."""
    small = _resize(image, fit_inside(image.width, image.height, THUMBHASH_MAX_SIZE)).convert("RGBA")
    return bytes(fast_thumbhash.rgba_to_thumb_hash(small.width, small.height, small.tobytes()))


# ---------------------------------------------------------------------------------------------------------------
# Entry points


def generate_images(
    source: Path,
    targets: ImageTargets,
    options: ImageOptions,
    *,
    orientation: int | None = None,
) -> GeneratedImages:
    """Decode `source` once and write preview, thumbnail and (when a path is given) the full-size copy."""
    decoded = decode_image(
        source,
        target_size=None if targets.fullsize_path is not None else options.preview.size,
        extract_embedded=options.extract_embedded and mime_types.is_raw(source.name),
        orientation=orientation,
    )
    try:
        return _generate(decoded, targets, options)
    finally:
        decoded.image.close()


def generate_from_image(image: Image.Image, targets: ImageTargets, options: ImageOptions) -> GeneratedImages:
    """Write the outputs for an already decoded, upright image (e.g. a video poster frame)."""
    icc = image.info.get("icc_profile") or None
    return _generate(DecodedImage(image, image.width, image.height, icc), targets, options)


def _generate(decoded: DecodedImage, targets: ImageTargets, options: ImageOptions) -> GeneratedImages:
    base = decoded.image if decoded.image.mode == "CMYK" else _normalize_mode(decoded.image)
    fullsize_path = None
    if targets.fullsize_path is not None:
        full, full_icc, _ = _to_output_colour(base, decoded.icc_profile, options.colorspace)
        encode_image(full, targets.fullsize_path, options.fullsize.format, options.fullsize.quality, full_icc)
        fullsize_path = targets.fullsize_path
    preview_raw = _resize(base, fit_outside(base.width, base.height, options.preview.size))
    preview, icc, colorspace = _to_output_colour(preview_raw, decoded.icc_profile, options.colorspace)
    encode_image(preview, targets.preview_path, options.preview.format, options.preview.quality, icc)
    # The thumbnail is normally smaller than the preview, so it is made from it; otherwise from the source.
    if options.thumbnail.size <= options.preview.size:
        thumbnail = _resize(preview, fit_outside(preview.width, preview.height, options.thumbnail.size))
    else:
        thumbnail_raw = _resize(base, fit_outside(base.width, base.height, options.thumbnail.size))
        thumbnail = _to_output_colour(thumbnail_raw, decoded.icc_profile, options.colorspace)[0]
    encode_image(thumbnail, targets.thumbnail_path, options.thumbnail.format, options.thumbnail.quality, icc)
    return GeneratedImages(
        thumbhash=thumbhash(preview),
        width=decoded.width,
        height=decoded.height,
        preview_size=preview.size,
        thumbnail_size=thumbnail.size,
        fullsize_path=fullsize_path,
        colorspace=colorspace,
        embedded_preview=decoded.embedded_preview,
    )


class PillowImageGenerator:
    """The ImageGenerator adapter over this module's functions."""

    def generate(
        self, source: Path, targets: ImageTargets, options: ImageOptions, *, orientation: int | None = None
    ) -> GeneratedImages:
        """See `generate_images`."""
        return generate_images(source, targets, options, orientation=orientation)

    def generate_from_image(self, image: Image.Image, targets: ImageTargets, options: ImageOptions) -> GeneratedImages:
        """See `generate_from_image`."""
        return generate_from_image(image, targets, options)

    def dimensions(self, source: Path) -> tuple[int, int]:
        """See `image_dimensions`."""
        return image_dimensions(source)

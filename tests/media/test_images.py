"""Previews, thumbnails, full-size copies and thumbhashes for every image format, shared asset and generated file."""

from __future__ import annotations

import io
import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import fast_thumbhash  # type: ignore[import-untyped,unused-ignore]
import pytest
from PIL import Image, ImageCms, JpegImagePlugin

from photonest.media import mime_types
from photonest.media.exiftool import find_exiftool
from photonest.media.images import (
    Colorspace,
    FullsizeSpec,
    GeneratedImages,
    ImageFormat,
    ImageOptions,
    ImageTargets,
    OutputSpec,
    PillowImageGenerator,
    UnsupportedImageError,
    apply_orientation,
    decode_image,
    fit_inside,
    fit_outside,
    generate_from_image,
    generate_images,
    image_dimensions,
    srgb_profile_bytes,
)
from tests.media.media_files import TEST_ASSETS, asset_id, dominant, image_assets, make_dng, quadrant_image

DEFAULTS = ImageOptions()
# Pillow decodes every image format the shared assets contain.
DECODED_FORMATS = {".avif", ".heic", ".jpeg", ".jpg", ".jxl", ".png", ".webp"}


def targets(folder: Path, name: str = "asset", fullsize: bool = False) -> ImageTargets:
    return ImageTargets(
        preview_path=folder / f"{name}-preview.jpeg",
        thumbnail_path=folder / f"{name}-thumbnail.webp",
        fullsize_path=folder / f"{name}-fullsize.jpeg" if fullsize else None,
    )


@pytest.fixture(scope="module")
def shown_sizes() -> dict[Path, tuple[int, int]]:
    """Displayed size of each shared image per a separate ExifTool read (ImageSize turned by Orientation 5-8)."""
    files = image_assets()
    if not files:
        return {}
    output = subprocess.run(
        [find_exiftool(), "-json", "-n", "-ImageWidth", "-ImageHeight", "-Orientation", *map(str, files)],
        capture_output=True,
        check=False,
    ).stdout
    sizes = {}
    for entry in json.loads(output):
        width, height = entry["ImageWidth"], entry["ImageHeight"]
        sizes[Path(entry["SourceFile"])] = (
            (height, width) if entry.get("Orientation") in (5, 6, 7, 8) else (width, height)
        )
    return sizes


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[Path, tuple[GeneratedImages, ImageTargets]]]:
    """Each shared image's outputs with the default options, made once for the module."""
    folder = tmp_path_factory.mktemp("generated")
    cache: dict[Path, tuple[GeneratedImages, ImageTargets]] = {}

    class Lazy(dict[Path, tuple[GeneratedImages, ImageTargets]]):
        def __missing__(self, path: Path) -> tuple[GeneratedImages, ImageTargets]:
            where = targets(folder, path.name)
            self[path] = (generate_images(path, where, DEFAULTS), where)
            return self[path]

    yield Lazy(cache)


# ---- every shared image


@pytest.mark.parametrize("path", image_assets(), ids=asset_id)
def test_every_shared_image_gets_preview_thumbnail_and_thumbhash(
    generated: dict[Path, tuple[GeneratedImages, ImageTargets]],
    shown_sizes: dict[Path, tuple[int, int]],
    path: Path,
) -> None:
    assert mime_types.extension(path.name) in DECODED_FORMATS
    result, where = generated[path]
    width, height = shown_sizes[path]
    assert (result.width, result.height) == (width, height)
    with Image.open(where.preview_path) as preview:
        assert preview.format == "JPEG"
        assert preview.size == result.preview_size == fit_outside(width, height, 1440)
        assert min(preview.size) == min(1440, width, height)
        assert "exif" not in preview.info  # no GPS or other metadata leaks into generated files
    with Image.open(where.thumbnail_path) as thumbnail:
        assert thumbnail.format == "WEBP"
        assert thumbnail.size == result.thumbnail_size
        assert min(thumbnail.size) == min(250, width, height)
        assert abs(thumbnail.width / thumbnail.height - width / height) < 0.02
    assert len(result.thumbhash) >= 5
    ratio = fast_thumbhash.thumb_hash_to_approximate_aspect_ratio(result.thumbhash)
    assert ratio == pytest.approx(width / height, rel=0.2)
    assert image_dimensions(path) == (width, height)


@pytest.mark.skipif(not TEST_ASSETS.is_dir(), reason="shared test assets not present")
def test_orientation_6_is_applied(generated: dict[Path, tuple[GeneratedImages, ImageTargets]]) -> None:
    rotated_path = TEST_ASSETS / "metadata/faces/portrait-orientation-6.jpg"
    upright_path = TEST_ASSETS / "metadata/faces/portrait.jpg"
    with Image.open(rotated_path) as stored:
        assert stored.size == (700, 840)  # stored on its side...
    rotated, rotated_where = generated[rotated_path]
    _, upright_where = generated[upright_path]
    assert (rotated.width, rotated.height) == (840, 700)  # ...shown like the upright copy
    with Image.open(rotated_where.preview_path) as a, Image.open(upright_where.preview_path) as b:
        assert a.size == b.size == (840, 700)
        difference = sum(abs(x - y) for x, y in zip(a.convert("L").getdata(), b.convert("L").getdata(), strict=True))
        assert difference / (a.width * a.height) < 12  # same picture (the rotated one has a few labels drawn in)


@pytest.mark.skipif(not TEST_ASSETS.is_dir(), reason="shared test assets not present")
def test_heic_rotation_is_applied_once(generated: dict[Path, tuple[GeneratedImages, ImageTargets]]) -> None:
    # EXIF says 6 on this 4000x3000 HEIC; pillow-heif turns it upright itself.
    result, _ = generated[TEST_ASSETS / "formats/motionphoto/samsung-one-ui-6.heic"]
    assert (result.width, result.height, result.preview_size) == (3000, 4000, (1440, 1920))


@pytest.mark.skipif(not TEST_ASSETS.is_dir(), reason="shared test assets not present")
def test_display_p3_is_kept_with_the_p3_setting_and_converted_with_srgb(tmp_path: Path) -> None:
    heic = TEST_ASSETS / "formats/heic/IMG_2682.heic"
    small = OutputSpec(ImageFormat.JPEG, 64, 80)
    p3 = generate_images(heic, targets(tmp_path, "p3"), ImageOptions(preview=small, colorspace=Colorspace.P3))
    srgb = generate_images(heic, targets(tmp_path, "srgb"), ImageOptions(preview=small, colorspace=Colorspace.SRGB))
    assert (p3.colorspace, srgb.colorspace) == (Colorspace.P3, Colorspace.SRGB)
    with Image.open(tmp_path / "p3-preview.jpeg") as image:
        description = ImageCms.getProfileDescription(ImageCms.ImageCmsProfile(io.BytesIO(image.info["icc_profile"])))
        assert "P3" in description
    with Image.open(tmp_path / "srgb-preview.jpeg") as image:
        assert image.info["icc_profile"] == srgb_profile_bytes()


def test_jpeg_chroma_follows_quality(tmp_path: Path) -> None:
    source = tmp_path / "in.png"
    quadrant_image(400, 300).save(source)
    for quality, sampling in ((80, 0), (79, 2)):
        spec = OutputSpec(ImageFormat.JPEG, 100, quality)
        generate_images(source, targets(tmp_path, f"q{quality}"), ImageOptions(preview=spec))
        with Image.open(tmp_path / f"q{quality}-preview.jpeg") as image:
            assert isinstance(image, JpegImagePlugin.JpegImageFile)
            assert JpegImagePlugin.get_sampling(image) == sampling  # 0 = 4:4:4, 2 = 4:2:0


def test_formats_and_sizes_follow_the_options(tmp_path: Path) -> None:
    source = tmp_path / "wide.png"
    quadrant_image(3000, 1000).save(source)
    options = ImageOptions(
        thumbnail=OutputSpec(ImageFormat.JPEG, 100, 70),
        preview=OutputSpec(ImageFormat.WEBP, 600, 90),
        fullsize=FullsizeSpec(enabled=True, format=ImageFormat.WEBP, quality=85),
    )
    where = ImageTargets(tmp_path / "p.webp", tmp_path / "t.jpeg", tmp_path / "f.webp")
    result = generate_images(source, where, options)
    assert (result.preview_size, result.thumbnail_size, result.fullsize_path) == (
        (1800, 600),
        (300, 100),
        where.fullsize_path,
    )
    with (
        Image.open(where.preview_path) as p,
        Image.open(where.thumbnail_path) as t,
        Image.open(tmp_path / "f.webp") as f,
    ):
        assert (p.format, t.format, f.format) == ("WEBP", "JPEG", "WEBP")
        assert f.size == (3000, 1000)


def test_small_images_are_never_enlarged(tmp_path: Path) -> None:
    source = tmp_path / "tiny.png"
    quadrant_image(40, 30).save(source)
    result = generate_images(source, targets(tmp_path), DEFAULTS)
    assert result.preview_size == result.thumbnail_size == (40, 30)


def test_fit_helpers() -> None:
    assert fit_outside(4000, 3000, 1440) == (1920, 1440)
    assert fit_outside(3000, 4000, 250) == (250, 333)
    assert fit_outside(512, 341, 1440) == (512, 341)
    assert fit_inside(4000, 3000, 100) == (100, 75)
    assert fit_inside(50, 20, 100) == (50, 20)


def test_wants_fullsize_only_for_originals_browsers_cannot_show() -> None:
    enabled = ImageOptions(fullsize=FullsizeSpec(enabled=True))
    assert enabled.wants_fullsize("a.heic") and enabled.wants_fullsize("a.dng") and enabled.wants_fullsize("a.jxl")
    assert not enabled.wants_fullsize("a.jpg") and not enabled.wants_fullsize("a.webp")
    assert not DEFAULTS.wants_fullsize("a.heic")


def test_options_from_the_system_config() -> None:
    config = {
        "image": {
            "thumbnail": {"format": "webp", "size": 250, "quality": 80},
            "preview": {"format": "jpeg", "size": 1440, "quality": 80},
            "colorspace": "p3",
            "extractEmbedded": False,
            "fullsize": {"enabled": False, "format": "jpeg", "quality": 80},
        }
    }
    assert ImageOptions.from_config(config) == DEFAULTS
    config["image"]["preview"] = {"format": "webp", "size": 720, "quality": 60}
    config["image"]["colorspace"] = "srgb"
    options = ImageOptions.from_config(config["image"])
    assert (options.preview, options.colorspace) == (OutputSpec(ImageFormat.WEBP, 720, 60), Colorspace.SRGB)


# ---- orientation on generated files


@pytest.mark.parametrize("orientation", range(1, 9))
@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "TIFF", "AVIF"])
def test_every_exif_orientation_is_applied(tmp_path: Path, fmt: str, orientation: int) -> None:
    card = quadrant_image(60, 40)
    stored = apply_orientation(card, {6: 8, 8: 6}.get(orientation, orientation))  # the inverse transform
    exif = Image.Exif()
    exif[0x0112] = orientation
    source = tmp_path / f"card.{fmt.lower()}"
    if fmt == "TIFF":
        stored.save(source, fmt, tiffinfo={0x0112: orientation}, compression="tiff_lzw")
    else:
        stored.save(source, fmt, exif=exif.tobytes(), **({"quality": 95} if fmt != "PNG" else {}))
    decoded = decode_image(source)
    assert decoded.image.size == (60, 40)
    assert (decoded.width, decoded.height) == (60, 40)
    assert dominant(decoded.image, (0.05, 0.05, 0.4, 0.4)) == "red"
    assert dominant(decoded.image, (0.6, 0.6, 0.95, 0.95)) == "blue"
    assert dominant(decoded.image, (0.6, 0.05, 0.95, 0.4)) == "white"


# ---- formats that need care


def test_gif_uses_the_first_frame(tmp_path: Path) -> None:
    frames = [Image.new("RGB", (40, 30), colour) for colour in ((255, 0, 0), (0, 0, 255))]
    source = tmp_path / "anim.gif"
    frames[0].save(source, save_all=True, append_images=frames[1:], duration=100, loop=0)
    result = generate_images(source, targets(tmp_path), DEFAULTS)
    with Image.open(tmp_path / "asset-preview.jpeg") as preview:
        assert dominant(preview, (0, 0, 1, 1)) == "red"
    assert result.preview_size == (40, 30)


@pytest.mark.parametrize(
    ("name", "make"),
    [
        ("gray16.png", lambda: Image.new("I;16", (30, 20), 40000)),
        ("palette.png", lambda: quadrant_image(30, 20).convert("P")),
        ("bilevel.bmp", lambda: Image.new("1", (30, 20), 1)),
        ("la.png", lambda: Image.new("LA", (30, 20), (128, 200))),
        ("cmyk.jpg", lambda: Image.new("CMYK", (30, 20), (0, 255, 255, 0))),
        ("gray.jpg", lambda: Image.new("L", (30, 20), 100)),
        ("rgba.webp", lambda: Image.new("RGBA", (30, 20), (0, 0, 255, 128))),
        ("image.tif", lambda: quadrant_image(30, 20)),
        ("image.bmp", lambda: quadrant_image(30, 20)),
        ("image.jp2", lambda: quadrant_image(30, 20)),
        ("image.heif", lambda: quadrant_image(30, 20)),
        ("image.jxl", lambda: quadrant_image(30, 20)),
    ],
)
def test_unusual_modes_and_formats_decode(tmp_path: Path, name: str, make: object) -> None:
    source = tmp_path / name
    make().save(source)  # type: ignore[operator]
    result = generate_images(source, targets(tmp_path), DEFAULTS)
    assert result.preview_size == (30, 20)
    with Image.open(tmp_path / "asset-preview.jpeg") as preview:
        assert preview.mode in ("RGB", "L")
    if name == "cmyk.jpg":
        with Image.open(tmp_path / "asset-preview.jpeg") as preview:
            assert dominant(preview, (0, 0, 1, 1)) == "red"
    if name == "gray16.png":
        with Image.open(tmp_path / "asset-preview.jpeg") as preview:
            grey = preview.convert("L").getpixel((5, 5))
            assert isinstance(grey, int) and 150 < grey < 160  # 40000 / 256, not clipped to white


def test_transparent_pixels_are_black_in_jpeg_and_kept_in_webp(tmp_path: Path) -> None:
    source = tmp_path / "clear.png"
    Image.new("RGBA", (30, 20), (255, 255, 255, 0)).save(source)
    generate_images(source, targets(tmp_path), DEFAULTS)
    with Image.open(tmp_path / "asset-preview.jpeg") as preview:
        assert preview.convert("RGB").getpixel((5, 5)) == (0, 0, 0)
    with Image.open(tmp_path / "asset-thumbnail.webp") as thumbnail:
        assert thumbnail.mode == "RGBA" and thumbnail.getpixel((5, 5))[3] == 0  # type: ignore[index]


def test_svg_has_no_decoder(tmp_path: Path) -> None:
    source = tmp_path / "drawing.svg"
    source.write_text('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>')
    with pytest.raises(UnsupportedImageError):
        generate_images(source, targets(tmp_path), DEFAULTS)
    assert list(tmp_path.iterdir()) == [source]


def test_garbage_is_reported_and_leaves_no_files(tmp_path: Path) -> None:
    source = tmp_path / "broken.jpg"
    source.write_bytes(b"\xff\xd8\xff not really a jpeg")
    with pytest.raises(UnsupportedImageError):
        generate_images(source, targets(tmp_path), DEFAULTS)
    assert list(tmp_path.iterdir()) == [source]


def test_outputs_replace_old_files_atomically(tmp_path: Path) -> None:
    source = tmp_path / "in.png"
    quadrant_image(300, 200).save(source)
    where = targets(tmp_path / "thumbs" / "ab" / "cd")
    where.preview_path.parent.mkdir(parents=True)
    where.preview_path.write_bytes(b"old")
    generate_images(source, where, DEFAULTS)
    assert where.preview_path.read_bytes()[:2] == b"\xff\xd8"
    assert sorted(p.name for p in where.preview_path.parent.iterdir()) == ["asset-preview.jpeg", "asset-thumbnail.webp"]


def test_large_jpegs_decode_reduced(tmp_path: Path) -> None:
    source = tmp_path / "big.jpg"
    quadrant_image(4000, 3000).save(source, quality=90)
    decoded = decode_image(source, target_size=1440)
    assert (decoded.width, decoded.height) == (4000, 3000)
    assert decoded.image.size == (2000, 1500)  # DCT scaling by 1/2, still above the target
    result = generate_images(source, targets(tmp_path), DEFAULTS)
    assert result.preview_size == (1920, 1440)


def test_generate_from_image_serves_video_frames(tmp_path: Path) -> None:
    frame = quadrant_image(1920, 1080)
    result = generate_from_image(frame, targets(tmp_path), DEFAULTS)
    assert (result.width, result.height, result.preview_size, result.thumbnail_size) == (
        1920,
        1080,
        (1920, 1080),
        (444, 250),
    )
    assert fast_thumbhash.thumb_hash_to_approximate_aspect_ratio(result.thumbhash) == pytest.approx(16 / 9, rel=0.1)


def test_the_adapter_class_implements_the_protocol(tmp_path: Path) -> None:
    from photonest.media.protocols import ImageGenerator

    generator: ImageGenerator = PillowImageGenerator()
    source = tmp_path / "in.png"
    quadrant_image(80, 60).save(source)
    assert generator.generate(source, targets(tmp_path), DEFAULTS).preview_size == (80, 60)
    assert generator.dimensions(source) == (80, 60)


# ---- camera RAW (a generated linear DNG; no camera RAW sample ships with the shared assets)


def test_raw_is_developed_with_libraw_and_its_flip_applied(tmp_path: Path) -> None:
    source = make_dng(tmp_path / "photo.dng", orientation=6)
    result = generate_images(source, targets(tmp_path), DEFAULTS)
    assert (result.width, result.height, result.embedded_preview) == (48, 64, False)
    with Image.open(tmp_path / "asset-preview.jpeg") as preview:
        assert preview.size == (48, 64)
        # turned 90 degrees clockwise: the red left half is now the top, the green top band now the right edge
        assert dominant(preview, (0.05, 0.05, 0.6, 0.4)) == "red"
        assert dominant(preview, (0.8, 0.3, 1.0, 0.7)) == "green"
    assert image_dimensions(source) == (48, 64)


def test_raw_embedded_preview_when_configured(tmp_path: Path) -> None:
    source = make_dng(tmp_path / "photo.dng", preview=Image.new("RGB", (64, 48), (0, 200, 0)))
    options = ImageOptions(preview=OutputSpec(ImageFormat.JPEG, 40, 80), extract_embedded=True)
    result = generate_images(source, targets(tmp_path), options)
    assert result.embedded_preview
    with Image.open(tmp_path / "asset-preview.jpeg") as preview:
        assert dominant(preview, (0, 0, 1, 1)) == "green"


def test_raw_embedded_preview_smaller_than_the_preview_is_not_used(tmp_path: Path) -> None:
    source = make_dng(tmp_path / "photo.dng", preview=Image.new("RGB", (16, 12), (0, 200, 0)))
    result = generate_images(source, targets(tmp_path), ImageOptions(extract_embedded=True))
    assert not result.embedded_preview


def test_raw_embedded_preview_takes_the_given_orientation(tmp_path: Path) -> None:
    source = make_dng(tmp_path / "photo.dng", orientation=6, preview=quadrant_image(64, 48))
    options = ImageOptions(preview=OutputSpec(ImageFormat.JPEG, 40, 80), extract_embedded=True)
    result = generate_images(source, targets(tmp_path), options, orientation=6)
    assert result.embedded_preview and result.preview_size == (40, 53)
    with Image.open(tmp_path / "asset-preview.jpeg") as preview:
        assert dominant(preview, (0.55, 0.05, 0.95, 0.4)) == "red"  # the red top-left quadrant, turned clockwise


def test_raw_fullsize_copy(tmp_path: Path) -> None:
    source = make_dng(tmp_path / "photo.dng")
    options = ImageOptions(fullsize=FullsizeSpec(enabled=True))
    assert options.wants_fullsize(source.name)
    result = generate_images(source, targets(tmp_path, fullsize=True), options)
    assert result.fullsize_path is not None
    with Image.open(result.fullsize_path) as fullsize:
        assert (fullsize.format, fullsize.size) == ("JPEG", (64, 48))


def test_a_psd_named_raw_falls_back_to_pillow(tmp_path: Path) -> None:
    # .psd is in upstream's RAW list; LibRaw cannot read it, Pillow can (here: a PNG in disguise, same path).
    source = tmp_path / "layers.psd"
    quadrant_image(30, 20).save(source, "PNG")
    assert generate_images(source, targets(tmp_path), DEFAULTS).preview_size == (30, 20)

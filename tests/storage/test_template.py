"""Storage template rendering, sanitising and target paths (pure functions)."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from uuid import UUID

import pytest

from photonest.config.system_config import STORAGE_PRESETS, STORAGE_VARIABLES, storage_template_error
from photonest.storage.template import (
    DATE_TOKENS,
    TemplateAsset,
    TemplateError,
    compile_template,
    live_photo_motion_filename,
    parse_time_zone,
    sanitize_filename,
    source_extension,
    substitutions,
    target_extension,
    template_filename,
    template_path,
)

ASSET_ID = UUID("d587e44b-f8c0-4832-9ba3-43268bbf5d4e")
# 2022-01-10 19:15:44.310 UTC is 15:15:44 in UTC-4 and already 2022-01-11 04:15 in Tokyo.
MOMENT = datetime(2022, 1, 10, 19, 15, 44, 310000, tzinfo=UTC)
ROOT = "/media/library/admin"


def _values(zone: str | None = "UTC-4", album: str | None = None, kind: str = "IMAGE") -> dict[str, str]:
    asset = TemplateAsset(ASSET_ID, kind, MOMENT, zone)
    return substitutions(asset, filename="IMG_0001", extension="jpg", album_name=album)


def _render(template: str, **values: str | None) -> str:
    return compile_template(template).render(_values(**values))  # type: ignore[arg-type]


def test_default_template_uses_the_date_in_the_assets_time_zone() -> None:
    assert _render("{{y}}/{{y}}-{{MM}}-{{dd}}/{{filename}}") == "2022/2022-01-10/IMG_0001"
    assert _render("{{y}}/{{y}}-{{MM}}-{{dd}}/{{filename}}", zone="Asia/Tokyo") == "2022/2022-01-11/IMG_0001"
    assert _render("{{y}}-{{MM}}-{{dd}}", zone="UTC") == "2022-01-10"


def test_every_date_token_formats_like_luxon() -> None:
    values = _values()
    got = {token: values[token] for token in DATE_TOKENS}
    assert got == {
        "s": "44",
        "ss": "44",
        "SSS": "310",
        "m": "15",
        "mm": "15",
        "d": "10",
        "dd": "10",
        "W": "2",
        "WW": "02",
        "h": "3",
        "hh": "03",
        "H": "15",
        "HH": "15",
        "y": "2022",
        "yy": "22",
        "M": "1",
        "MM": "01",
        "MMM": "Jan",
        "MMMM": "January",
    }


def test_names_ids_and_types() -> None:
    rendered = _render("{{filetype}}-{{filetypefull}}/{{assetId}}/{{assetIdShort}}.{{ext}}", kind="VIDEO")
    assert rendered == f"VID-VIDEO/{ASSET_ID}/43268bbf5d4e.jpg"
    assert set(_values()) == STORAGE_VARIABLES


def test_if_else_unless_and_each_blocks() -> None:
    template = "{{y}}/{{#if album}}{{album}}{{else}}Other/{{MM}}{{/if}}/{{filename}}"
    assert _render(template, album="Holidays") == "2022/Holidays/IMG_0001"
    assert _render(template) == "2022/Other/01/IMG_0001"
    assert _render("{{#unless album}}none{{else}}{{album}}{{/unless}}") == "none"
    assert _render("{{#each album}}x{{else}}empty{{/each}}", album="A") == "empty"
    assert _render("{{#with album}}{{this}}{{/with}}", album="A") == "A"


def test_values_are_html_escaped_like_handlebars_unless_triple_stashed() -> None:
    values = substitutions(
        TemplateAsset(ASSET_ID, "IMAGE", MOMENT, None), filename="Tom & Jerry's", extension="jpg", album_name=None
    )
    assert compile_template("{{filename}}").render(values) == "Tom &amp; Jerry&#x27;s"
    assert compile_template("{{{filename}}}").render(values) == "Tom & Jerry's"


def test_whitespace_control_comments_and_repeated_slashes() -> None:
    assert _render("{{y}}  {{~MM~}}  /{{! note }}/{{album}}//{{dd}}") == "202201/10"


@pytest.mark.parametrize("template", STORAGE_PRESETS)
def test_every_preset_compiles_and_renders(template: str) -> None:
    assert storage_template_error(template) is None
    rendered = _render(template, album="Album")
    assert rendered and "{{" not in rendered


@pytest.mark.parametrize("template", ["{{nope}}", "{{#if album}}x", "{{/if}}", "{{y}", "{{#bogus album}}{{/bogus}}"])
def test_templates_handlebars_rejects_do_not_compile_or_render(template: str) -> None:
    with pytest.raises(TemplateError):
        compile_template(template).render(_values())


def test_needs_album_looks_inside_blocks() -> None:
    assert compile_template("{{#if album}}a{{/if}}").needs_album
    assert compile_template("{{y}}/{{#if y}}{{album}}{{/if}}").needs_album
    assert not compile_template("{{y}}/{{filename}}").needs_album


@pytest.mark.parametrize(
    ("album", "expected"),
    [("../../etc", "etc"), ("a/b", "ab"), ("..", ""), ("x\x00y:z*?", "xyz"), ("con", ""), ("Trip. ", "Trip")],
)
def test_album_names_cannot_climb_or_separate(album: str, expected: str) -> None:
    assert _values(album=album)["album"] == expected


def test_sanitize_filename_like_the_npm_package() -> None:
    assert sanitize_filename('a/b\\c:d*e?f"g<h>i|j') == "abcdefghij"
    assert sanitize_filename("...") == ""
    assert sanitize_filename("LPT1.txt") == ""
    assert sanitize_filename("name. . ") == "name"
    assert len(sanitize_filename("é" * 300).encode()) <= 255


def test_filename_value_drops_the_extension_and_directories() -> None:
    assert template_filename("IMG_0001.JPG", "JPG", "id") == "IMG_0001"
    assert template_filename("IMG_0001.JPEG", "jpg", "id") == "IMG_0001"
    assert template_filename("clip.mov", "jpg", "id") == "clip.mov"
    assert template_filename("../../evil.jpg", "jpg", "id") == "evil"
    assert template_filename("con.jpg", "jpg", "fallback") == "fallback"


def test_extensions_are_lower_cased_with_upstream_aliases() -> None:
    assert source_extension("/u/a/b/c.JPEG") == "JPEG"
    assert source_extension("/u/a/.hidden") == ""
    assert [target_extension(e) for e in ("JPEG", "jpe", "TIF", "3gpp", "MPEG", "m2ts", "HEIC")] == [
        "jpg",
        "jpg",
        "tiff",
        "3gp",
        "mpg",
        "mts",
        "heic",
    ]


def test_live_photo_motion_filename_takes_the_still_name() -> None:
    assert live_photo_motion_filename("IMG_4242.HEIC", "/upload/a/b/uuid.MOV") == "IMG_4242.MOV"


def test_time_zones_as_exiftool_writes_them() -> None:
    assert parse_time_zone("UTC+5:30").utcoffset(None).total_seconds() == 5.5 * 3600  # type: ignore[union-attr]
    assert parse_time_zone("UTC-4").utcoffset(None).total_seconds() == -4 * 3600  # type: ignore[union-attr]
    assert parse_time_zone("Europe/Paris") is not None
    assert parse_time_zone("Mars/Olympus") is None and parse_time_zone(None) is None


def test_unknown_zone_falls_back_to_the_server_zone() -> None:
    assert _values(zone="not a zone")["y"] == MOMENT.astimezone().strftime("%Y")


def test_target_path_and_collisions() -> None:
    taken = {f"{ROOT}/2022/IMG.jpg", f"{ROOT}/2022/IMG+1.jpg"}
    source = "/media/upload/u/aa/bb/uuid.jpg"
    assert template_path(ROOT, "2022/IMG", "jpg", source, taken.__contains__) == f"{ROOT}/2022/IMG+2.jpg"
    assert template_path(ROOT, "2022/NEW", "jpg", source, taken.__contains__) == f"{ROOT}/2022/NEW.jpg"


def test_an_asset_already_at_its_target_keeps_its_path() -> None:
    def always(_: str) -> bool:
        return True

    assert template_path(ROOT, "2022/IMG", "jpg", f"{ROOT}/2022/IMG.jpg", always) == f"{ROOT}/2022/IMG.jpg"
    assert template_path(ROOT, "2022/IMG", "jpg", f"{ROOT}/2022/IMG+7.jpg", always) == f"{ROOT}/2022/IMG+7.jpg"
    assert template_path(ROOT, "2022/IMG", "jpg", f"{ROOT}/2022/IMG+x.jpg", lambda p: p.endswith("IMG.jpg")) == (
        f"{ROOT}/2022/IMG+1.jpg"
    )


@pytest.mark.parametrize("rendered", ["../../etc/passwd", "..", "", "/", "a/../../x", "x\x00y"])
def test_renderings_that_leave_the_user_folder_keep_the_source(rendered: str) -> None:
    source = "/media/upload/u/aa/bb/uuid.jpg"
    assert template_path(ROOT, rendered, "jpg", source, lambda _: False) == source


def test_leading_slash_and_dot_segments_stay_inside() -> None:
    got = template_path(ROOT, "/2022/./a/../IMG", "jpg", "/x.jpg", lambda _: False)
    assert got == f"{ROOT}/2022/IMG.jpg" and os.path.normpath(got) == got

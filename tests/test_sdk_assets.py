"""Asset uploads, checks and media driven by the real Immich Python SDK (v1.134.0) against a running server."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path

import immich_python_sdk as sdk
import pytest

ASSETS = Path("/work/shared/test-assets")
JPEG = ASSETS / "formats/jpg/el_torcal_rocks.jpg"
PNG = ASSETS / "formats/png/density_plot.png"
WHEN = datetime(2024, 6, 1, 12, 34, 56, 123456, tzinfo=UTC)


@pytest.fixture
def assets(live_server: str) -> sdk.AssetsApi:
    """The assets API as a freshly signed-up admin, with an API key holding `all`."""
    anonymous = sdk.ApiClient(sdk.Configuration(host=f"{live_server}/api"))
    auth = sdk.AuthenticationApi(anonymous)
    auth.sign_up_admin(sdk.SignUpDto(email="admin@immich.cloud", password="password", name="Admin"))
    token = auth.login(sdk.LoginCredentialDto(email="admin@immich.cloud", password="password")).access_token
    session = sdk.ApiClient(sdk.Configuration(host=f"{live_server}/api", access_token=token))
    secret = sdk.APIKeysApi(session).create_api_key(sdk.APIKeyCreateDto(name="sdk", permissions=[sdk.Permission.ALL]))
    config = sdk.Configuration(host=f"{live_server}/api")
    config.api_key["api_key"] = secret.secret
    return sdk.AssetsApi(sdk.ApiClient(config))


def _upload(
    assets: sdk.AssetsApi, path: Path, checksum: str | None = None
) -> sdk.ApiResponse[sdk.AssetMediaResponseDto]:
    return assets.upload_asset_with_http_info(
        asset_data=(path.name, path.read_bytes()),
        device_asset_id=f"{path.name}-{path.stat().st_size}",
        device_id="python-sdk",
        file_created_at=WHEN,
        file_modified_at=WHEN,
        x_immich_checksum=checksum,
    )


def test_upload_duplicate_and_statistics(assets: sdk.AssetsApi) -> None:
    created = assets.upload_asset(
        asset_data=(JPEG.name, JPEG.read_bytes()),
        device_asset_id="el_torcal_rocks.jpg-1",
        device_id="python-sdk",
        file_created_at=WHEN,
        file_modified_at=WHEN,
        is_favorite=True,
    )
    assert created.status == sdk.AssetMediaStatus.CREATED

    again = _upload(assets, JPEG)
    assert again.status_code == 200
    assert json.loads(again.raw_data) == {"id": created.id, "status": "duplicate"}
    by_header = _upload(assets, JPEG, checksum=hashlib.sha1(JPEG.read_bytes()).hexdigest())
    assert by_header.status_code == 200 and json.loads(by_header.raw_data)["id"] == created.id

    stats = assets.get_asset_statistics()
    assert (stats.images, stats.videos, stats.total) == (1, 0, 1)
    assert assets.get_asset_statistics(is_favorite=False).total == 0


def test_checks_device_ids_random_and_media(assets: sdk.AssetsApi) -> None:
    created = _upload(assets, PNG)
    assert created.status_code == 201 and created.data.status == sdk.AssetMediaStatus.CREATED
    asset_id = created.data.id

    check = assets.check_bulk_upload(
        sdk.AssetBulkUploadCheckDto(
            assets=[
                sdk.AssetBulkUploadCheckItem(id="png", checksum=hashlib.sha1(PNG.read_bytes()).hexdigest()),
                sdk.AssetBulkUploadCheckItem(id="jpeg", checksum=hashlib.sha1(JPEG.read_bytes()).hexdigest()),
            ]
        )
    )
    assert [(r.id, r.action, r.asset_id) for r in check.results] == [
        ("png", "reject", asset_id),
        ("jpeg", "accept", None),
    ]

    device_asset_id = f"{PNG.name}-{PNG.stat().st_size}"
    existing = assets.check_existing_assets(
        sdk.CheckExistingAssetsDto(device_id="python-sdk", device_asset_ids=[device_asset_id, "other"])
    )
    assert existing.existing_ids == [device_asset_id]
    assert assets.get_all_user_assets_by_device_id("python-sdk") == [device_asset_id]

    random = assets.get_random(count=5)
    assert [a.id for a in random] == [asset_id] and random[0].original_mime_type == "image/png"

    assert bytes(assets.download_asset(asset_id)) == PNG.read_bytes()
    with pytest.raises(sdk.ApiException) as missing:
        assets.view_asset(asset_id, size=sdk.AssetMediaSize.PREVIEW)
    assert missing.value.status == 404
    # A PNG is shown as it is: fullsize redirects to the original, which urllib3 follows.
    assert bytes(assets.view_asset(asset_id, size=sdk.AssetMediaSize.FULLSIZE)) == PNG.read_bytes()
    with pytest.raises(sdk.ApiException) as not_video:
        assets.play_asset_video(asset_id)
    assert not_video.value.status == 400


def test_replace_asset(assets: sdk.AssetsApi) -> None:
    asset_id = _upload(assets, JPEG).data.id
    replaced = assets.replace_asset(
        asset_id,
        asset_data=(PNG.name, PNG.read_bytes()),
        device_asset_id="replaced",
        device_id="python-sdk",
        file_created_at=WHEN,
        file_modified_at=WHEN,
    )
    assert replaced.status == sdk.AssetMediaStatus.REPLACED and replaced.id != asset_id
    assert bytes(assets.download_asset(asset_id)) == PNG.read_bytes()
    assert assets.get_asset_statistics(is_trashed=True).total == 1

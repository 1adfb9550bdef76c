"""Server routes: public information, storage and statistics, the server license."""

from __future__ import annotations

import re
import shutil
import uuid
from datetime import UTC, datetime
from pathlib import Path
from uuid import UUID

import pytest
from sqlalchemy import insert

from photonest.config.env import Settings
from photonest.container import Container
from photonest.db.tables import asset, asset_exif
from photonest.services import server as server_service
from photonest.services.server import as_human_readable
from tests.factories import Api, Caller, make_api_key, make_user, set_metadata

ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
BUILD = {"build": "1234567890", "buildImage": "e2e", "sourceRef": "main", "repository": "immich-app/immich"}

# A server license and activation key from upstream's e2e suite (`e2e/src/api/specs/server.e2e-spec.ts`), signed
# with the staging key upstream uses outside production (`server/src/repositories/config.repository.ts`).
E2E_LICENSE = {
    "licenseKey": "IMSV-6ECZ-91TE-WZRM-Q7AQ-MBN4-UW48-2CPT-71X9",
    "activationKey": (
        "4kJUNUWMq13J14zqPFm1NodRcI6MV6DeOGvQNIgrM8Sc9nv669wyEVvFw1Nz4Kb1W7zLWblOtXEQzpRRqC4r4fKjewJxfbpeo9sEsqAVIf"
        "l4Ero-Vp1Dg21-sVdDGZEAy2oeTCXAyCT5d1JqrqR6N1qTAm4xOx9ujXQRFYhjRG8uwudw7_Q49pF18Tj5OEv9qCqElxztoNck4i6O_a"
        "zsmsoOQrLIENIWPh3EynBN3ESpYERdCgXO8MlWeuG14_V1HbNjnJPZDuvYg__YfMzoOEtfm1sCqEaJ2Ww-BaX7yGfuCL4XsuZlCQQNHjfs"
        "cy_WywVfIZPKCiW8QR74i0cSzQ"
    ),
}
STAGING_SERVER_KEY = (
    "LS0tLS1CRUdJTiBQVUJMSUMgS0VZLS0tLS0KTUlJQklqQU5CZ2txaGtpRzl3MEJBUUVGQUFPQ0FROEFNSUlCQ2dLQ0FRRUE3Sy8yd3ZLUS9NdU8y"
    "di9MUm5saAoyUy9zTHhDOGJiTEw1UUlKOGowQ3BVZW40YURlY2dYMUpKUmtGNlpUVUtpNTdTbEhtS3RSM2JOTzJmdTBUUVg5Ck5WMEJzVzllZVB0"
    "MmlTMWl4VVFmTzRObjdvTjZzbEtac01qd29RNGtGRGFmM3VHTlZJc0dMb3UxVWRLUVhpeDEKUlRHcXVTb3NZVjNWRlk3Q1hGYTVWaENBL3poVXNs"
    "NGFuVXp3eEF6M01jUFVlTXBaenYvbVZiQlRKVzBPSytWZgpWQUJvMXdYMkVBanpBekVHVzQ3Vko4czhnMnQrNHNPaHFBNStMQjBKVzlORUg5QUpw"
    "eGZzWE4zSzVtM00yNUJVClZXcTlRYStIdHRENnJ0bnAvcUFweXVkWUdwZk9HYTRCUlZTR1MxMURZM0xrb2FlRzYwUEU5NHpoYjduOHpMWkgKelFJ"
    "REFRQUIKLS0tLS1FTkQgUFVCTElDIEtFWS0tLS0tDQo="
)


@pytest.fixture
def settings(media: Path) -> Settings:
    return Settings(media_location=media, machine_learning_enabled=False, build_metadata=BUILD)


def add_asset(container: Container, owner: Caller, kind: str, size: int | None, *, trashed: bool = False) -> None:
    now = datetime.now(UTC)
    asset_id = uuid.uuid4()
    with container.unit_of_work() as uow:
        uow.connection.execute(
            insert(asset).values(
                id=asset_id,
                device_asset_id=str(asset_id),
                owner_id=UUID(owner.id),
                device_id="test",
                type=kind,
                original_path=f"/upload/{asset_id}.jpg",
                file_created_at=now,
                file_modified_at=now,
                local_date_time=now,
                checksum=asset_id.bytes,
                original_file_name=f"{asset_id}.jpg",
                deleted_at=now if trashed else None,
            )
        )
        if size is not None:
            uow.connection.execute(insert(asset_exif).values(asset_id=asset_id, file_size_in_byte=size))


def test_ping_version_and_history_are_public(api: Api) -> None:
    assert api.request("GET", "/api/server/ping").json() == {"res": "pong"}
    assert api.request("GET", "/api/server/version").json() == {"major": 1, "minor": 134, "patch": 0}
    history = api.request("GET", "/api/server/version-history").json()
    assert [(row["version"], set(row)) for row in history] == [("1.134.0", {"id", "createdAt", "version"})]
    assert ISO.match(history[0]["createdAt"])


def test_features_tell_what_this_server_can_do(api: Api) -> None:
    response = api.request("GET", "/api/server/features")
    assert response.status_code == 200
    assert response.json() == {
        "smartSearch": False,
        "facialRecognition": False,
        "duplicateDetection": False,
        "map": True,
        "reverseGeocoding": True,
        "importFaces": False,
        "sidecar": True,
        "search": True,
        "trash": True,
        "oauth": False,
        "oauthAutoLaunch": False,
        "passwordLogin": True,
        "configFile": False,
        "email": False,
    }


def test_features_follow_the_config(api: Api, container: Container) -> None:
    overrides = {"trash": {"enabled": False}, "passwordLogin": {"enabled": False}, "map": {"enabled": False}}
    set_metadata(
        container, "system-config", {**overrides, "oauth": {"enabled": True}, "metadata": {"faces": {"import": True}}}
    )
    body = api.request("GET", "/api/server/features").json()
    assert (body["trash"], body["passwordLogin"], body["map"], body["importFaces"]) == (False, False, False, True)
    assert body["oauth"] is False


def test_server_config_is_public_and_tracks_setup(api: Api, container: Container) -> None:
    expected = {
        "loginPageMessage": "",
        "trashDays": 30,
        "userDeleteDelay": 7,
        "oauthButtonText": "Login with OAuth",
        "isInitialized": False,
        "isOnboarded": False,
        "externalDomain": "",
        "publicUsers": True,
        "mapDarkStyleUrl": "https://tiles.immich.cloud/v1/style/dark.json",
        "mapLightStyleUrl": "https://tiles.immich.cloud/v1/style/light.json",
    }
    assert api.request("GET", "/api/server/config").json() == expected
    api.admin()
    set_metadata(container, "admin-onboarding", {"isOnboarded": True})
    set_metadata(container, "system-config", {"server": {"loginPageMessage": "Hi", "externalDomain": "https://a.b/c"}})
    body = api.request("GET", "/api/server/config").json()
    assert body == {
        **expected,
        "isInitialized": True,
        "isOnboarded": True,
        "loginPageMessage": "Hi",
        "externalDomain": "https://a.b",
    }


def test_theme_is_the_custom_css(api: Api, container: Container) -> None:
    assert api.request("GET", "/api/server/theme").json() == {"customCss": ""}
    set_metadata(container, "system-config", {"theme": {"customCss": "body { color: red; }"}})
    assert api.request("GET", "/api/server/theme").json() == {"customCss": "body { color: red; }"}


def test_media_types_are_upstreams_lists(api: Api) -> None:
    body = api.request("GET", "/api/server/media-types").json()
    assert body["sidecar"] == [".xmp"]
    assert len(body["image"]) == 47 and len(body["video"]) == 18
    assert body["image"][:2] == [".3fr", ".ari"] and {".heic", ".jpg", ".jp2", ".dng"} <= set(body["image"])
    assert body["video"][:3] == [".3gp", ".3gpp", ".avi"] and {".m2t", ".mp4", ".mov"} <= set(body["video"])


def test_about_reports_version_build_and_license(
    api: Api, container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(server_service, "tool_versions", lambda: {"ffmpeg": "7.0.2"})
    admin = api.admin()
    response = api.request("GET", "/api/server/about", admin)
    assert response.status_code == 200
    assert response.json() == {
        "version": "v1.134.0",
        "versionUrl": "https://github.com/immich-app/immich/releases/tag/v1.134.0",
        "licensed": False,
        **BUILD,
        "ffmpeg": "7.0.2",
    }
    set_metadata(container, "license", {"licenseKey": "x", "activationKey": "y", "activatedAt": "z"})
    assert api.request("GET", "/api/server/about", admin).json()["licensed"] is True


def test_storage_reports_the_media_disk(api: Api, media: Path) -> None:
    body = api.request("GET", "/api/server/storage", api.admin()).json()
    usage = shutil.disk_usage(media / "library")
    assert body["diskSizeRaw"] == usage.total
    assert body["diskSize"] == as_human_readable(usage.total)
    assert set(body) == {
        "diskAvailable",
        "diskAvailableRaw",
        "diskSize",
        "diskSizeRaw",
        "diskUsagePercentage",
        "diskUse",
        "diskUseRaw",
    }
    assert re.match(r"^\d+(\.\d)? (B|KiB|MiB|GiB|TiB|PiB|EiB)$", body["diskUse"])
    assert body["diskUsagePercentage"] == round(body["diskUseRaw"] / body["diskSizeRaw"] * 100, 2)


@pytest.mark.parametrize(
    ("size", "text"),
    [
        (0, "0 B"),
        (1023, "1023 B"),
        (1024, "1.0 KiB"),
        (1536, "1.5 KiB"),
        (44_344_000_000, "41.3 GiB"),
        (1024**4 * 3, "3.0 TiB"),
        (1024**7 * 2, "2048.0 EiB"),
    ],
)
def test_human_readable_sizes(size: int, text: str) -> None:
    assert as_human_readable(size) == text


def test_statistics_count_every_user(api: Api, container: Container) -> None:
    admin = api.admin()
    user = make_user(container, api, quota_size_in_bytes=5000)
    add_asset(container, admin, "IMAGE", 100)
    add_asset(container, admin, "IMAGE", 50)
    add_asset(container, admin, "VIDEO", 1000)
    add_asset(container, admin, "IMAGE", 7, trashed=True)
    response = api.request("GET", "/api/server/statistics", admin)
    assert response.status_code == 200
    assert response.json() == {
        "photos": 2,
        "videos": 1,
        "usage": 1150,
        "usagePhotos": 150,
        "usageVideos": 1000,
        "usageByUser": [
            {
                "userId": admin.id,
                "userName": "Immich Admin",
                "photos": 2,
                "videos": 1,
                "usage": 1150,
                "usagePhotos": 150,
                "usageVideos": 1000,
                "quotaSizeInBytes": None,
            },
            {
                "userId": user.id,
                "userName": "User 1",
                "photos": 0,
                "videos": 0,
                "usage": 0,
                "usagePhotos": 0,
                "usageVideos": 0,
                "quotaSizeInBytes": 5000,
            },
        ],
    }


def test_version_check_state(api: Api, container: Container) -> None:
    user = make_user(container, api)
    assert api.request("GET", "/api/server/version-check", user).json() == {"checkedAt": None, "releaseVersion": None}
    state = {"checkedAt": "2025-05-28T10:00:00.000Z", "releaseVersion": "v1.134.0"}
    set_metadata(container, "version-check-state", state)
    assert api.request("GET", "/api/server/version-check", user).json() == state


def test_license_lifecycle(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(server_service, "SERVER_LICENSE_PUBLIC_KEY", STAGING_SERVER_KEY)
    admin = api.admin()
    missing = api.request("GET", "/api/server/license", admin)
    assert missing.status_code == 404
    assert missing.json()["message"] == "Not Found" and missing.json()["error"] == "Not Found"

    response = api.request("PUT", "/api/server/license", admin, json=E2E_LICENSE)
    assert response.status_code == 200
    body = response.json()
    assert body == {**E2E_LICENSE, "activatedAt": body["activatedAt"]} and ISO.match(body["activatedAt"])
    assert api.request("GET", "/api/server/license", admin).json() == body
    assert api.request("GET", "/api/server/about", admin).json()["licensed"] is True

    deleted = api.request("DELETE", "/api/server/license", admin)
    assert deleted.status_code == 200 and deleted.content == b""
    assert api.request("GET", "/api/server/license", admin).status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        {"licenseKey": "IMCL-ABCD-ABCD-ABCD-ABCD-ABCD-ABCD-ABCD-ABCD", "activationKey": "activationKey"},
        {**E2E_LICENSE, "activationKey": "invalid" + E2E_LICENSE["activationKey"]},
    ],
)
def test_license_keys_are_verified(api: Api, monkeypatch: pytest.MonkeyPatch, body: dict[str, str]) -> None:
    monkeypatch.setattr(server_service, "SERVER_LICENSE_PUBLIC_KEY", STAGING_SERVER_KEY)
    response = api.request("PUT", "/api/server/license", api.admin(), json=body)
    assert response.status_code == 400
    assert response.json()["message"] == "Invalid license key"


def test_a_staging_license_does_not_activate_a_production_server(api: Api) -> None:
    response = api.request("PUT", "/api/server/license", api.admin(), json=E2E_LICENSE)
    assert response.status_code == 400 and response.json()["message"] == "Invalid license key"


def test_license_body_is_validated(api: Api) -> None:
    response = api.request("PUT", "/api/server/license", api.admin(), json={"licenseKey": "nope", "activationKey": ""})
    assert response.status_code == 400
    assert sorted(response.json()["message"]) == [
        "activationKey should not be empty",
        "licenseKey must match /IM(SV|CL)(-[\\dA-Za-z]{4}){8}/ regular expression",
    ]


PUBLIC = ["/config", "/features", "/media-types", "/ping", "/theme", "/version", "/version-history"]
AUTHENTICATED = ["/about", "/storage", "/version-check"]
ADMIN = [("GET", "/statistics"), ("GET", "/license"), ("PUT", "/license"), ("DELETE", "/license")]


@pytest.mark.parametrize("path", PUBLIC)
def test_public_routes_need_no_credentials(api: Api, path: str) -> None:
    assert api.request("GET", f"/api/server{path}").status_code == 200


@pytest.mark.parametrize("path", AUTHENTICATED)
def test_user_routes_need_a_login_only(api: Api, container: Container, path: str) -> None:
    response = api.request("GET", f"/api/server{path}")
    assert response.status_code == 401 and response.json()["message"] == "Authentication required"
    admin = api.admin()
    assert api.request("GET", f"/api/server{path}", make_user(container, api)).status_code == 200
    # These routes name no permission, so any API key may call them.
    assert api.request("GET", f"/api/server{path}", make_api_key(container, admin, ["album.read"])).status_code == 200


@pytest.mark.parametrize(("method", "path"), ADMIN)
def test_admin_routes_forbid_other_users(api: Api, container: Container, method: str, path: str) -> None:
    response = api.request(method, f"/api/server{path}", json=E2E_LICENSE)
    assert response.status_code == 401 and response.json()["message"] == "Authentication required"
    api.admin()
    response = api.request(method, f"/api/server{path}", make_user(container, api), json=E2E_LICENSE)
    assert response.status_code == 403 and response.json()["message"] == "Forbidden"

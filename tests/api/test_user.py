"""Users routes."""

from __future__ import annotations

import base64
import re
import struct
import zlib
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from photonest.container import Container
from photonest.errors import BadRequest
from photonest.licenses import is_valid_license
from photonest.repositories import Repositories
from photonest.services import user as user_service
from photonest.services.user import UserService
from tests.factories import Api, Caller

ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
NIL = "00000000-0000-4000-8000-000000000000"
COLORS = ["primary", "pink", "red", "yellow", "blue", "green", "purple", "orange", "gray", "amber"]
JPEG = Path("/work/shared/test-assets/formats/jpg/el_torcal_rocks.jpg")
LICENSE = "IMCL-AAAA-BBBB-CCCC-DDDD-EEEE-FFFF-GGGG-HHHH"

USER_ROUTES = [
    ("GET", "/api/users"),
    ("GET", "/api/users/me"),
    ("PUT", "/api/users/me"),
    ("GET", "/api/users/me/license"),
    ("PUT", "/api/users/me/license"),
    ("DELETE", "/api/users/me/license"),
    ("GET", "/api/users/me/preferences"),
    ("PUT", "/api/users/me/preferences"),
    ("POST", "/api/users/profile-image"),
    ("DELETE", "/api/users/profile-image"),
    ("GET", f"/api/users/{NIL}"),
    ("GET", f"/api/users/{NIL}/profile-image"),
]

DEFAULT_PREFERENCES = {
    "folders": {"enabled": False, "sidebarWeb": False},
    "memories": {"enabled": True},
    "people": {"enabled": True, "sidebarWeb": False},
    "sharedLinks": {"enabled": True, "sidebarWeb": False},
    "ratings": {"enabled": False},
    "tags": {"enabled": False, "sidebarWeb": False},
    "emailNotifications": {"enabled": True, "albumInvite": True, "albumUpdate": True},
    "download": {"archiveSize": 4294967296, "includeEmbeddedVideos": False},
    "purchase": {"showSupportBadge": True, "hideBuyButtonUntil": "2022-02-12T00:00:00.000Z"},
}

USER_KEYS = {"id", "email", "name", "profileImagePath", "avatarColor", "profileChangedAt"}
ADMIN_KEYS = USER_KEYS | {
    "storageLabel",
    "shouldChangePassword",
    "isAdmin",
    "createdAt",
    "deletedAt",
    "updatedAt",
    "oauthId",
    "quotaSizeInBytes",
    "quotaUsageInBytes",
    "status",
    "license",
}


def png_bytes() -> bytes:
    """A valid 1x1 RGB PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))


def upload(api: Api, caller: Caller, name: str = "avatar.png", content: bytes | None = None) -> Any:
    data = png_bytes() if content is None else content
    return api.request("POST", "/api/users/profile-image", caller, files={"file": (name, data, "image/png")})


def set_config(container: Container, overrides: dict[str, Any]) -> None:
    with container.unit_of_work() as uow:
        Repositories(uow).system_metadata.set("system-config", overrides)


@pytest.fixture
def license_keys(monkeypatch: pytest.MonkeyPatch) -> rsa.RSAPrivateKey:
    """A key pair standing in for upstream's license signing key."""
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = private.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    monkeypatch.setattr(user_service, "LICENSE_PUBLIC_KEYS", (pem.decode(),))
    return private


def activation_key(private: rsa.RSAPrivateKey, license_key: str) -> str:
    signature = private.sign(license_key.encode(), padding.PKCS1v15(), hashes.SHA256())
    return base64.b64encode(signature).decode()


@pytest.mark.parametrize(("method", "path"), USER_ROUTES)
def test_routes_require_authentication(api: Api, method: str, path: str) -> None:
    response = api.request(method, path, json={})
    assert response.status_code == 401
    assert response.json()["message"] == "Authentication required"


def test_get_my_user_returns_the_admin_view(api: Api) -> None:
    admin = api.admin()
    response = api.request("GET", "/api/users/me", admin)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == ADMIN_KEYS
    assert body["id"] == admin.id and body["email"] == "admin@immich.cloud" and body["name"] == "Immich Admin"
    assert body["isAdmin"] is True and body["status"] == "active" and body["license"] is None
    assert body["avatarColor"] == COLORS[sum(map(ord, "admin@immich.cloud")) % 10]
    assert ISO.match(body["profileChangedAt"]) and body["profileImagePath"] == ""


def test_api_keys_need_no_permission_for_their_own_user(api: Api) -> None:
    admin = api.admin()
    key = api.api_key(admin, ["activity.read"])
    assert api.request("GET", "/api/users/me", key).json()["id"] == admin.id


def test_search_users_lists_every_active_user(api: Api) -> None:
    admin = api.admin()
    user = api.user(admin, name="Alice")
    response = api.request("GET", "/api/users", user)
    assert response.status_code == 200
    body = response.json()
    assert [u["id"] for u in body] == [admin.id, user.id]
    assert all(set(u) == USER_KEYS for u in body)


def test_search_users_shows_only_yourself_when_users_are_not_public(api: Api, container: Container) -> None:
    admin = api.admin()
    user = api.user(admin)
    set_config(container, {"server": {"publicUsers": False}})
    assert [u["id"] for u in api.request("GET", "/api/users", user).json()] == [user.id]
    assert len(api.request("GET", "/api/users", admin).json()) == 2


def test_get_user(api: Api) -> None:
    admin = api.admin()
    user = api.user(admin, name="Bob")
    response = api.request("GET", f"/api/users/{admin.id}", user)
    assert response.status_code == 200
    assert response.json()["name"] == "Immich Admin" and set(response.json()) == USER_KEYS


def test_get_user_rejects_unknown_and_malformed_ids(api: Api) -> None:
    admin = api.admin()
    unknown = api.request("GET", f"/api/users/{NIL}", admin)
    assert unknown.status_code == 400 and unknown.json()["message"] == "User not found"
    malformed = api.request("GET", "/api/users/not-a-uuid", admin)
    assert malformed.status_code == 400 and malformed.json()["message"] == ["id must be a UUID"]


def test_get_user_hides_deleted_users(api: Api) -> None:
    admin = api.admin()
    user = api.user(admin)
    api.request("DELETE", f"/api/admin/users/{user.id}", admin, json={})
    assert api.request("GET", f"/api/users/{user.id}", admin).json()["message"] == "User not found"


def test_update_my_user(api: Api) -> None:
    admin = api.admin()
    user = api.user(admin)
    response = api.request(
        "PUT", "/api/users/me", user, json={"name": "Renamed", "email": "New@Immich.Cloud", "avatarColor": "green"}
    )
    assert response.status_code == 200
    body = response.json()
    assert set(body) == ADMIN_KEYS
    assert (body["name"], body["email"], body["avatarColor"]) == ("Renamed", "new@immich.cloud", "green")
    cleared = api.request("PUT", "/api/users/me", user, json={"avatarColor": None}).json()
    assert cleared["name"] == "Renamed" and cleared["avatarColor"] == COLORS[sum(map(ord, "new@immich.cloud")) % 10]


def test_update_my_user_password_clears_should_change_password(api: Api) -> None:
    admin = api.admin()
    user = api.user(admin)
    response = api.request("PUT", "/api/users/me", user, json={"password": "new-password"})
    assert response.json()["shouldChangePassword"] is False
    api.login(user.email, "new-password")


def test_update_my_user_rejects_an_email_in_use(api: Api) -> None:
    admin = api.admin()
    user = api.user(admin)
    response = api.request("PUT", "/api/users/me", user, json={"email": admin.email})
    assert response.status_code == 400
    assert response.json()["message"] == "Email already in use by another account"
    same = api.request("PUT", "/api/users/me", user, json={"email": user.email})
    assert same.status_code == 200


def test_update_my_user_validates_the_body(api: Api) -> None:
    admin = api.admin()
    response = api.request(
        "PUT", "/api/users/me", admin, json={"email": "nope", "name": "", "password": None, "avatarColor": "pinkish"}
    )
    assert response.status_code == 400
    assert sorted(response.json()["message"]) == [
        "avatarColor must be one of the following values: primary, pink, red, yellow, blue, green, purple, orange, "
        "gray, amber",
        "email must be an email",
        "name should not be empty",
        "password must be a string",
    ]


def test_preferences_default_to_upstreams(api: Api) -> None:
    admin = api.admin()
    response = api.request("GET", "/api/users/me/preferences", admin)
    assert response.status_code == 200
    assert response.json() == DEFAULT_PREFERENCES


def test_update_preferences_merges_and_stores_only_the_difference(api: Api, container: Container) -> None:
    admin = api.admin()
    changes = {"memories": {"enabled": False}, "download": {"archiveSize": 1024}, "tags": {"sidebarWeb": True}}
    response = api.request("PUT", "/api/users/me/preferences", admin, json=changes)
    assert response.status_code == 200
    expected = {
        **DEFAULT_PREFERENCES,
        "memories": {"enabled": False},
        "download": {"archiveSize": 1024, "includeEmbeddedVideos": False},
        "tags": {"enabled": False, "sidebarWeb": True},
    }
    assert response.json() == expected
    assert api.request("GET", "/api/users/me/preferences", admin).json() == expected
    with container.unit_of_work() as uow:
        stored = Repositories(uow).users.get_metadata(Repositories(uow).users.get_admin().id, "preferences")  # type: ignore[union-attr]
    assert stored == {"memories": {"enabled": False}, "download": {"archiveSize": 1024}, "tags": {"sidebarWeb": True}}
    back = api.request("PUT", "/api/users/me/preferences", admin, json={"memories": {"enabled": True}})
    assert back.json()["memories"] == {"enabled": True}


def test_update_preferences_validates_the_body(api: Api) -> None:
    admin = api.admin()
    response = api.request(
        "PUT",
        "/api/users/me/preferences",
        admin,
        json={"download": {"archiveSize": 0}, "purchase": {"hideBuyButtonUntil": "soon"}, "people": 5},
    )
    assert response.status_code == 400
    assert sorted(response.json()["message"]) == [
        "download.archiveSize must not be less than 1",
        "nested property people must be either object or array",
        "purchase.hideBuyButtonUntil must be a valid ISO 8601 date string",
    ]


def test_license_is_404_until_set(api: Api) -> None:
    admin = api.admin()
    response = api.request("GET", "/api/users/me/license", admin)
    assert response.status_code == 404


def test_license_with_a_wrong_activation_key_is_refused(api: Api) -> None:
    admin = api.admin()
    response = api.request(
        "PUT", "/api/users/me/license", admin, json={"licenseKey": LICENSE, "activationKey": "aW52YWxpZA=="}
    )
    assert response.status_code == 400 and response.json()["message"] == "Invalid license key"


def test_license_key_format_is_validated(api: Api) -> None:
    admin = api.admin()
    response = api.request("PUT", "/api/users/me/license", admin, json={"licenseKey": "IMXX-1", "activationKey": ""})
    assert response.status_code == 400
    assert sorted(response.json()["message"]) == [
        "activationKey should not be empty",
        "licenseKey must match /IM(SV|CL)(-[\\dA-Za-z]{4}){8}/ regular expression",
    ]


def test_license_lifecycle(api: Api, license_keys: rsa.RSAPrivateKey) -> None:
    admin = api.admin()
    body = {"licenseKey": LICENSE, "activationKey": activation_key(license_keys, LICENSE)}
    response = api.request("PUT", "/api/users/me/license", admin, json=body)
    assert response.status_code == 200
    answer = response.json()
    assert set(answer) == {"licenseKey", "activationKey", "activatedAt"}
    assert answer["licenseKey"] == LICENSE and ISO.match(answer["activatedAt"])
    assert api.request("GET", "/api/users/me/license", admin).json() == answer
    assert api.request("GET", "/api/users/me", admin).json()["license"] == answer

    deleted = api.request("DELETE", "/api/users/me/license", admin)
    assert deleted.status_code == 200 and deleted.content == b""
    assert api.request("GET", "/api/users/me/license", admin).status_code == 404
    assert api.request("GET", "/api/users/me", admin).json()["license"] is None


def test_server_license_keys_are_refused_for_a_user_license_signed_by_another_key(
    api: Api, license_keys: rsa.RSAPrivateKey
) -> None:
    admin = api.admin()
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    key = "IMSV-AAAA-BBBB-CCCC-DDDD-EEEE-FFFF-GGGG-HHHH"
    body = {"licenseKey": key, "activationKey": activation_key(other, key)}
    assert api.request("PUT", "/api/users/me/license", admin, json=body).json()["message"] == "Invalid license key"
    body = {"licenseKey": key, "activationKey": activation_key(license_keys, key)}
    assert api.request("PUT", "/api/users/me/license", admin, json=body).status_code == 200


def test_upstream_license_keys_load() -> None:
    assert not is_valid_license(LICENSE, base64.b64encode(b"x" * 256).decode(), user_service.LICENSE_PUBLIC_KEYS)


def test_profile_image_upload_serve_replace_and_delete(api: Api, media: Path) -> None:
    admin = api.admin()
    user = api.user(admin)
    response = upload(api, user)
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"userId", "profileImagePath", "profileChangedAt"} and body["userId"] == user.id
    first = Path(body["profileImagePath"])
    assert first.parent == media / "profile" / user.id and first.suffix == ".png"
    assert first.read_bytes() == png_bytes()
    assert api.request("GET", "/api/users/me", user).json()["profileImagePath"] == str(first)

    served = api.request("GET", f"/api/users/{user.id}/profile-image", admin)
    assert served.status_code == 200 and served.content == png_bytes()
    assert served.headers["content-type"] == "image/png"
    assert served.headers["cache-control"] == "public, max-age=0"

    replaced = upload(api, user, "photo.JPG", JPEG.read_bytes())
    assert replaced.status_code == 201
    second = Path(replaced.json()["profileImagePath"])
    assert second.suffix == ".jpg" and second.read_bytes() == JPEG.read_bytes()
    assert not first.exists()
    assert api.request("GET", f"/api/users/{user.id}/profile-image", user).headers["content-type"] == "image/jpeg"

    deleted = api.request("DELETE", "/api/users/profile-image", user)
    assert deleted.status_code == 204 and deleted.content == b""
    assert not second.exists()
    assert list((media / "profile" / user.id).iterdir()) == []
    missing = api.request("GET", f"/api/users/{user.id}/profile-image", user)
    assert missing.status_code == 404 and missing.json()["message"] == "User does not have a profile image"
    again = api.request("DELETE", "/api/users/profile-image", user)
    assert again.status_code == 400 and again.json()["message"] == "Can't delete a missing profile Image"


def test_profile_image_must_have_an_image_extension(api: Api, media: Path) -> None:
    admin = api.admin()
    response = upload(api, admin, "notes.txt", b"hello")
    assert response.status_code == 400 and response.json()["message"] == "Unsupported file type notes.txt"
    folder = media / "profile" / admin.id
    assert not folder.exists() or list(folder.iterdir()) == []
    assert api.request("GET", "/api/users/me", admin).json()["profileImagePath"] == ""


def test_profile_image_upload_needs_the_file_field(api: Api) -> None:
    admin = api.admin()
    wrong_field = api.request(
        "POST", "/api/users/profile-image", admin, files={"avatar": ("a.png", png_bytes(), "image/png")}
    )
    assert wrong_field.status_code == 400 and wrong_field.json()["message"] == ["file should not be empty"]
    not_multipart = api.request("POST", "/api/users/profile-image", admin, json={"file": "x"})
    assert not_multipart.status_code == 400 and not_multipart.json()["message"] == ["file should not be empty"]


def test_profile_image_of_unknown_or_malformed_user(api: Api) -> None:
    admin = api.admin()
    unknown = api.request("GET", f"/api/users/{NIL}/profile-image", admin)
    assert unknown.status_code == 400 and unknown.json()["message"] == "User not found"
    malformed = api.request("GET", "/api/users/nope/profile-image", admin)
    assert malformed.status_code == 400 and malformed.json()["message"] == ["id must be a UUID"]


def test_a_failed_profile_image_request_leaves_no_file(api: Api, media: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    admin = api.admin()

    def fail(*_: Any) -> None:
        raise BadRequest("boom")

    monkeypatch.setattr(UserService, "create_profile_image", fail)
    response = upload(api, admin)
    assert response.status_code == 400 and response.json()["message"] == "boom"
    assert list((media / "profile" / admin.id).iterdir()) == []


def test_a_truncated_profile_image_body_is_refused_and_cleaned_up(api: Api, media: Path) -> None:
    admin = api.admin()
    body = b'--xyz\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\n\r\n' + png_bytes()
    headers = {"content-type": "multipart/form-data; boundary=xyz"}
    response = api.request("POST", "/api/users/profile-image", admin, content=body, headers=headers)
    assert response.status_code == 400 and response.json()["message"] == "Invalid multipart body"
    assert list((media / "profile" / admin.id).iterdir()) == []

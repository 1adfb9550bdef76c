"""System Metadata routes: admin onboarding, reverse-geocoding and version-check state."""

from __future__ import annotations

import pytest

from photonest.container import Container
from photonest.repositories import Repositories
from tests.factories import Api, make_api_key, make_user, set_metadata


def test_admin_onboarding_is_stored(api: Api, container: Container) -> None:
    admin = api.admin()
    assert api.request("GET", "/api/system-metadata/admin-onboarding", admin).json() == {"isOnboarded": False}
    response = api.request("POST", "/api/system-metadata/admin-onboarding", admin, json={"isOnboarded": True})
    assert response.status_code == 204 and response.content == b""
    assert api.request("GET", "/api/system-metadata/admin-onboarding", admin).json() == {"isOnboarded": True}
    assert api.request("GET", "/api/server/config").json()["isOnboarded"] is True
    with container.unit_of_work() as uow:
        assert Repositories(uow).system_metadata.get("admin-onboarding") == {"isOnboarded": True}


def test_admin_onboarding_body_is_validated(api: Api) -> None:
    admin = api.admin()
    response = api.request("POST", "/api/system-metadata/admin-onboarding", admin, json={"isOnboarded": "perhaps"})
    assert response.status_code == 400
    assert response.json()["message"] == ["isOnboarded must be a boolean value"]


def test_reverse_geocoding_state(api: Api, container: Container) -> None:
    admin = api.admin()
    path = "/api/system-metadata/reverse-geocoding-state"
    assert api.request("GET", path, admin).json() == {"lastUpdate": None, "lastImportFileName": None}
    state = {"lastUpdate": "2025-05-01T00:00:00.000Z", "lastImportFileName": "cities500.txt"}
    set_metadata(container, "reverse-geocoding-state", state)
    assert api.request("GET", path, admin).json() == state


def test_version_check_state(api: Api, container: Container) -> None:
    admin = api.admin()
    path = "/api/system-metadata/version-check-state"
    assert api.request("GET", path, admin).json() == {"checkedAt": None, "releaseVersion": None}
    set_metadata(
        container, "version-check-state", {"checkedAt": "2025-05-28T10:00:00.000Z", "releaseVersion": "v1.135.0"}
    )
    assert api.request("GET", path, admin).json() == {
        "checkedAt": "2025-05-28T10:00:00.000Z",
        "releaseVersion": "v1.135.0",
    }


ROUTES = [
    ("GET", "/admin-onboarding", "systemMetadata.read"),
    ("POST", "/admin-onboarding", "systemMetadata.update"),
    ("GET", "/reverse-geocoding-state", "systemMetadata.read"),
    ("GET", "/version-check-state", "systemMetadata.read"),
]


@pytest.mark.parametrize(("method", "path", "permission"), ROUTES)
def test_routes_need_an_admin_and_the_permission(
    api: Api, container: Container, method: str, path: str, permission: str
) -> None:
    url, body = f"/api/system-metadata{path}", {"isOnboarded": True}
    response = api.request(method, url, json=body)
    assert response.status_code == 401 and response.json()["message"] == "Authentication required"
    admin = api.admin()
    response = api.request(method, url, make_user(container, api), json=body)
    assert response.status_code == 403 and response.json()["message"] == "Forbidden"
    response = api.request(method, url, make_api_key(container, admin, ["systemConfig.read"]), json=body)
    assert response.status_code == 403
    assert response.json()["message"] == f"Missing required permission: {permission}"
    response = api.request(method, url, make_api_key(container, admin, [permission]), json=body)
    assert response.status_code in (200, 204)

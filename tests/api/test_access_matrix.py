"""Every implemented route against callers without credentials, without admin rights and with too narrow keys."""

from __future__ import annotations

import pytest

from tests.factories import Api
from tests.scope import AUTH_RULES

NIL = "00000000-0000-4000-8000-000000000000"
# Path ids that are names, not UUIDs (PUT /jobs/{id} takes a queue name).
NAMED_IDS = {"/jobs/{id}"}


def _url(path: str, id_value: str = NIL) -> str:
    named = path.replace("{id}", id_value).replace("{userId}", NIL)
    return "/api" + named.replace("{name}", "welcome").replace("{deviceId}", "device")


def _cases(kind: str) -> list[tuple[str, str, str]]:
    cases = []
    for (method, path), rule in sorted(AUTH_RULES.items()):
        words = rule.split()
        if (kind == "auth" and rule != "public") or (kind == "admin" and words[0] == "admin"):
            cases.append((method, path, rule))
        elif kind == "permission" and words[-1] not in ("public", "auth", "admin"):
            cases.append((method, path, words[-1]))
        elif kind == "id" and "{id}" in path and rule != "public" and path not in NAMED_IDS:
            cases.append((method, path, rule))
    return cases


def _ids(cases: list[tuple[str, str, str]]) -> list[str]:
    return [f"{m} {p}" for m, p, _ in cases]


AUTH = _cases("auth")
ADMIN = _cases("admin")
PERMISSION = _cases("permission")
IDS = _cases("id")


@pytest.mark.parametrize(("method", "path", "rule"), AUTH, ids=_ids(AUTH))
def test_requires_authentication(api: Api, method: str, path: str, rule: str) -> None:
    response = api.request(method, _url(path), json={})
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/json"
    assert response.json()["message"] == "Authentication required"


@pytest.mark.parametrize(("method", "path", "rule"), ADMIN, ids=_ids(ADMIN))
def test_admin_routes_forbid_other_users(api: Api, method: str, path: str, rule: str) -> None:
    user = api.user(api.admin())
    response = api.request(method, _url(path), user, json={})
    assert response.status_code == 403
    assert response.json()["message"] == "Forbidden"


@pytest.mark.parametrize(("method", "path", "permission"), PERMISSION, ids=_ids(PERMISSION))
def test_api_key_needs_the_route_permission(api: Api, method: str, path: str, permission: str) -> None:
    unrelated = "library.read" if permission != "library.read" else "face.read"
    key = api.api_key(api.admin(), [unrelated])
    response = api.request(method, _url(path), key, json={})
    assert response.status_code == 403
    assert response.json()["message"] == f"Missing required permission: {permission}"


@pytest.mark.parametrize(("method", "path", "rule"), IDS, ids=_ids(IDS))
def test_malformed_ids_are_rejected(api: Api, method: str, path: str, rule: str) -> None:
    response = api.request(method, _url(path, "not-a-uuid"), api.admin(), json={})
    assert response.status_code == 400
    assert "id must be a UUID" in response.json()["message"]


def test_a_key_with_all_passes_every_permission_gate(api: Api) -> None:
    admin = api.admin()
    key = api.api_key(admin, ["all"])
    for method, path, _ in PERMISSION:
        response = api.request(method, _url(path), key, json={})
        assert response.status_code != 403, (method, path, response.text)

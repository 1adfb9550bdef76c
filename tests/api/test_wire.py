"""Cross-cutting wire behaviour: discovery, error bodies, ETags, unknown routes, stripped fields."""

from __future__ import annotations

from tests.factories import Api


def test_well_known_discovery_outside_the_api_prefix(api: Api) -> None:
    response = api.request("GET", "/.well-known/immich")
    assert response.status_code == 200 and response.json() == {"api": {"endpoint": "/api"}}


def test_unknown_route_has_the_error_shape(api: Api) -> None:
    response = api.request("GET", "/api/nothing-here", headers={"x-immich-cid": "cid-1"})
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {
        "message": "Cannot GET /api/nothing-here",
        "error": "Not Found",
        "statusCode": 404,
        "correlationId": "cid-1",
    }


def test_json_get_answers_carry_an_etag_and_honour_if_none_match(api: Api) -> None:
    admin = api.admin()
    first = api.request("GET", "/api/auth/status", admin)
    tag = first.headers["etag"]
    assert tag.startswith('W/"')
    again = api.request("GET", "/api/auth/status", admin, headers={"if-none-match": tag})
    assert again.status_code == 304 and again.content == b""


def test_unknown_body_fields_are_stripped(api: Api) -> None:
    api.admin()
    body = {"email": "admin@immich.cloud", "password": "password", "extra": {"nested": True}}
    assert api.request("POST", "/api/auth/login", json=body).status_code == 201


def test_malformed_json_is_a_400(api: Api) -> None:
    response = api.request(
        "POST", "/api/auth/login", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["statusCode"] == 400


def test_unexpected_errors_become_failed_to_operation(api: Api, monkeypatch: object) -> None:
    from photonest.services.auth import AuthService

    admin = api.admin()

    def broken(*_: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(AuthService, "get_status", broken)  # type: ignore[attr-defined]
    response = api.request("GET", "/api/auth/status", admin, headers={"x-immich-cid": "cid-500"})
    assert response.status_code == 500
    assert response.headers["x-immich-cid"] == "cid-500"
    assert response.json() == {
        "message": "Failed to get auth status",
        "error": "Internal Server Error",
        "statusCode": 500,
        "correlationId": "cid-500",
    }

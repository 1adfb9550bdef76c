"""Authentication routes."""

from __future__ import annotations

import re

from tests.factories import Api

ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def test_admin_sign_up_returns_the_admin_with_storage_label(api: Api) -> None:
    response = api.request(
        "POST", "/api/auth/admin-sign-up", json={"email": "Admin@Immich.Cloud", "password": "password", "name": "Admin"}
    )
    assert response.status_code == 201
    body = response.json()
    assert body["email"] == "admin@immich.cloud"
    assert body["isAdmin"] is True and body["storageLabel"] == "admin" and body["shouldChangePassword"] is True
    assert body["deletedAt"] is None and body["license"] is None and body["quotaSizeInBytes"] is None
    assert ISO.match(body["createdAt"])


def test_admin_sign_up_refused_once_an_admin_exists(api: Api) -> None:
    api.admin()
    response = api.request("POST", "/api/auth/admin-sign-up", json={"email": "b@b.b", "password": "p", "name": "b"})
    assert response.status_code == 400
    assert response.json()["message"] == "The server already has an admin"


def test_login_sets_the_three_cookies(api: Api) -> None:
    api.admin()
    response = api.request("POST", "/api/auth/login", json={"email": "admin@immich.cloud", "password": "password"})
    assert response.status_code == 201
    cookies = response.headers.get_list("set-cookie")
    assert any(c.startswith("immich_access_token=") and "HttpOnly" in c for c in cookies)
    assert any(c.startswith("immich_auth_type=password") for c in cookies)
    assert any(c.startswith("immich_is_authenticated=true") and "HttpOnly" not in c for c in cookies)


def test_login_with_a_wrong_password_or_unknown_email_is_the_same_401(api: Api) -> None:
    api.admin()
    for email, password in (("admin@immich.cloud", "wrong"), ("nobody@immich.cloud", "password")):
        response = api.request("POST", "/api/auth/login", json={"email": email, "password": password})
        assert response.status_code == 401
        assert response.json()["message"] == "Incorrect email or password"


def test_login_validates_the_body(api: Api) -> None:
    response = api.request("POST", "/api/auth/login", json={"email": "not-an-email", "password": 5})
    assert response.status_code == 400
    body = response.json()
    assert body["message"] == ["email must be an email", "password must be a string"]
    assert body["error"] == "Bad Request" and body["statusCode"] == 400 and body["correlationId"]


def test_every_credential_form_authenticates(api: Api) -> None:
    admin = api.admin()
    forms = [
        {"headers": {"Authorization": f"Bearer {admin.token}"}},
        {"headers": {"x-immich-user-token": admin.token}},
        {"headers": {"x-immich-session-token": admin.token}},
        {"params": {"sessionKey": admin.token}},
        {"headers": {"cookie": f"immich_access_token={admin.token}"}},
    ]
    for form in forms:
        response = api.request("POST", "/api/auth/validateToken", **form)
        assert response.status_code == 200, form
        assert response.json() == {"authStatus": True}


def test_missing_and_invalid_credentials(api: Api) -> None:
    response = api.request("POST", "/api/auth/validateToken")
    assert response.status_code == 401
    assert response.json()["message"] == "Authentication required"
    response = api.request("POST", "/api/auth/validateToken", {"Authorization": "Bearer nope"})
    assert response.json()["message"] == "Invalid user token"
    response = api.request("POST", "/api/auth/validateToken", {"x-api-key": "nope"})
    assert response.json()["message"] == "Invalid API key"


def test_logout_ends_the_session(api: Api) -> None:
    admin = api.admin()
    response = api.request("POST", "/api/auth/logout", admin)
    assert response.json() == {"successful": True, "redirectUri": "/auth/login?autoLaunch=0"}
    assert api.request("POST", "/api/auth/validateToken", admin).status_code == 401


def test_change_password(api: Api) -> None:
    admin = api.admin()
    wrong = api.request(
        "POST", "/api/auth/change-password", admin, json={"password": "bad", "newPassword": "new-password"}
    )
    assert wrong.status_code == 400 and wrong.json()["message"] == "Wrong password"
    short = api.request(
        "POST", "/api/auth/change-password", admin, json={"password": "password", "newPassword": "short"}
    )
    assert short.json()["message"] == ["newPassword must be longer than or equal to 8 characters"]
    ok = api.request(
        "POST", "/api/auth/change-password", admin, json={"password": "password", "newPassword": "new-password"}
    )
    assert ok.status_code == 200 and ok.json()["email"] == admin.email
    api.login(admin.email, "new-password")


def test_pin_code_lifecycle_and_session_elevation(api: Api) -> None:
    admin = api.admin()
    assert api.request("POST", "/api/auth/pin-code", admin, json={"pinCode": "12a456"}).json()["message"] == [
        "pinCode must be a 6-digit numeric string"
    ]
    created = api.request("POST", "/api/auth/pin-code", admin, json={"pinCode": "123456"})
    assert created.status_code == 201 and created.content == b""
    again = api.request("POST", "/api/auth/pin-code", admin, json={"pinCode": "123456"})
    assert again.json()["message"] == "User already has a PIN code"

    wrong = api.request("POST", "/api/auth/session/unlock", admin, json={"pinCode": "654321"})
    assert wrong.status_code == 400 and wrong.json()["message"] == "Wrong PIN code"
    assert api.request("POST", "/api/auth/session/unlock", admin, json={"pinCode": "123456"}).status_code == 200
    status = api.request("GET", "/api/auth/status", admin).json()
    assert status["isElevated"] is True and status["pinCode"] is True and ISO.match(status["pinExpiresAt"])

    assert api.request("POST", "/api/auth/session/lock", admin).status_code == 200
    assert api.request("GET", "/api/auth/status", admin).json()["isElevated"] is False

    changed = api.request("PUT", "/api/auth/pin-code", admin, json={"pinCode": "123456", "newPinCode": "111111"})
    assert changed.status_code == 200
    reset = api.request("DELETE", "/api/auth/pin-code", admin, json={"password": "password"})
    assert reset.status_code == 200
    assert api.request("GET", "/api/auth/status", admin).json()["pinCode"] is False


def test_correlation_id_is_echoed(api: Api) -> None:
    response = api.request("GET", "/api/auth/status", headers={"x-immich-cid": "abc123"})
    assert response.headers["x-immich-cid"] == "abc123"
    assert response.json()["correlationId"] == "abc123"

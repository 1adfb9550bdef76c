"""Flows driven by the real Immich Python SDK (generated from the v1.134.0 spec) against a running server."""

from __future__ import annotations

import immich_python_sdk as sdk
import pytest


@pytest.fixture
def base_url(live_server: str) -> str:
    return f"{live_server}/api"


def _client(base_url: str, *, token: str | None = None, api_key: str | None = None) -> sdk.ApiClient:
    config = sdk.Configuration(host=base_url, access_token=token)
    if api_key:
        config.api_key["api_key"] = api_key
    return sdk.ApiClient(config)


def test_sign_up_login_and_api_key(base_url: str) -> None:
    anonymous = _client(base_url)
    admin = sdk.AuthenticationApi(anonymous).sign_up_admin(
        sdk.SignUpDto(email="admin@immich.cloud", password="password", name="Admin")
    )
    assert admin.is_admin and admin.storage_label == "admin"
    login = sdk.AuthenticationApi(anonymous).login(
        sdk.LoginCredentialDto(email="admin@immich.cloud", password="password")
    )
    assert login.user_id == admin.id

    session = _client(base_url, token=login.access_token)
    assert sdk.AuthenticationApi(session).validate_access_token().auth_status is True
    created = sdk.APIKeysApi(session).create_api_key(sdk.APIKeyCreateDto(name="sdk", permissions=[sdk.Permission.ALL]))
    assert created.api_key.name == "sdk" and created.secret

    keyed = _client(base_url, api_key=created.secret)
    assert sdk.UsersApi(keyed).get_my_user().email == "admin@immich.cloud"
    assert [k.name for k in sdk.APIKeysApi(keyed).get_api_keys()] == ["sdk"]
    assert sdk.AuthenticationApi(keyed).get_auth_status().password is True


def test_users_server_info_and_system_config(base_url: str) -> None:
    anonymous = _client(base_url)
    sdk.AuthenticationApi(anonymous).sign_up_admin(
        sdk.SignUpDto(email="admin@immich.cloud", password="password", name="A")
    )
    token = (
        sdk.AuthenticationApi(anonymous)
        .login(sdk.LoginCredentialDto(email="admin@immich.cloud", password="password"))
        .access_token
    )
    admin = _client(base_url, token=token)

    users_admin = sdk.UsersAdminApi(admin)
    user = users_admin.create_user_admin(
        sdk.UserAdminCreateDto(email="user@immich.cloud", password="password", name="User", quota_size_in_bytes=1024)
    )
    assert user.quota_size_in_bytes == 1024 and not user.is_admin
    assert {u.email for u in users_admin.search_users_admin()} == {"admin@immich.cloud", "user@immich.cloud"}
    assert users_admin.get_user_statistics_admin(user.id).total == 0
    assert sdk.UsersApi(admin).get_user(user.id).name == "User"
    preferences = sdk.UsersApi(admin).get_my_preferences()
    assert preferences.memories.enabled is True

    server = sdk.ServerApi(admin)
    assert server.ping_server().res == "pong"
    version = server.get_server_version()
    assert (version.major, version.minor, version.patch) == (1, 134, 0)
    assert server.get_about_info().version == "v1.134.0"
    assert server.get_server_features().password_login is True
    assert server.get_server_config().is_initialized is True
    assert ".jpg" in server.get_supported_media_types().image
    assert server.get_storage().disk_size_raw > 0
    assert server.get_server_statistics().usage_by_user
    assert server.get_theme().custom_css == ""
    assert server.get_version_history()[0].version == "1.134.0"

    config_api = sdk.SystemConfigApi(admin)
    config = config_api.get_config()
    assert config == config_api.get_config_defaults()
    config.trash.days = 12
    assert config_api.update_config(config).trash.days == 12
    assert config_api.get_config().trash.days == 12
    assert config_api.get_storage_template_options().year_options

"""System Config routes: defaults, stored overrides, validation, config-file mode."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from photonest.app import create_app
from photonest.config.env import Settings
from photonest.config.system_config import STORAGE_PRESETS, is_url, is_valid_cron, storage_template_error
from photonest.container import Container, build_container
from photonest.events.bus import ClientEvent
from photonest.repositories import Repositories
from photonest.services.system_config import ConfigFileError, SystemConfigService
from tests.factories import Api, Caller, make_api_key, make_user

# Upstream v1.134.0 `server/src/config.ts` `defaults`, as `GET /system-config/defaults` answers it with
# IMMICH_MACHINE_LEARNING_ENABLED and IMMICH_MACHINE_LEARNING_URL unset.
UPSTREAM_DEFAULTS: dict[str, Any] = {
    "backup": {"database": {"enabled": True, "cronExpression": "0 02 * * *", "keepLastAmount": 14}},
    "ffmpeg": {
        "crf": 23,
        "threads": 0,
        "preset": "ultrafast",
        "targetVideoCodec": "h264",
        "acceptedVideoCodecs": ["h264"],
        "targetAudioCodec": "aac",
        "acceptedAudioCodecs": ["aac", "mp3", "libopus", "pcm_s16le"],
        "acceptedContainers": ["mov", "ogg", "webm"],
        "targetResolution": "720",
        "maxBitrate": "0",
        "bframes": -1,
        "refs": 0,
        "gopSize": 0,
        "temporalAQ": False,
        "cqMode": "auto",
        "twoPass": False,
        "preferredHwDevice": "auto",
        "transcode": "required",
        "tonemap": "hable",
        "accel": "disabled",
        "accelDecode": False,
    },
    "job": {
        "backgroundTask": {"concurrency": 5},
        "smartSearch": {"concurrency": 2},
        "metadataExtraction": {"concurrency": 5},
        "faceDetection": {"concurrency": 2},
        "search": {"concurrency": 5},
        "sidecar": {"concurrency": 5},
        "library": {"concurrency": 5},
        "migration": {"concurrency": 5},
        "thumbnailGeneration": {"concurrency": 3},
        "videoConversion": {"concurrency": 1},
        "notifications": {"concurrency": 5},
    },
    "logging": {"enabled": True, "level": "log"},
    "machineLearning": {
        "enabled": True,
        "urls": ["http://immich-machine-learning:3003"],
        "clip": {"enabled": True, "modelName": "ViT-B-32__openai"},
        "duplicateDetection": {"enabled": True, "maxDistance": 0.01},
        "facialRecognition": {
            "enabled": True,
            "modelName": "buffalo_l",
            "minScore": 0.7,
            "maxDistance": 0.5,
            "minFaces": 3,
        },
    },
    "map": {
        "enabled": True,
        "lightStyle": "https://tiles.immich.cloud/v1/style/light.json",
        "darkStyle": "https://tiles.immich.cloud/v1/style/dark.json",
    },
    "reverseGeocoding": {"enabled": True},
    "metadata": {"faces": {"import": False}},
    "oauth": {
        "autoLaunch": False,
        "autoRegister": True,
        "buttonText": "Login with OAuth",
        "clientId": "",
        "clientSecret": "",
        "defaultStorageQuota": 0,
        "enabled": False,
        "issuerUrl": "",
        "mobileOverrideEnabled": False,
        "mobileRedirectUri": "",
        "scope": "openid email profile",
        "signingAlgorithm": "RS256",
        "profileSigningAlgorithm": "none",
        "storageLabelClaim": "preferred_username",
        "storageQuotaClaim": "immich_quota",
        "tokenEndpointAuthMethod": "client_secret_post",
        "timeout": 30000,
    },
    "passwordLogin": {"enabled": True},
    "storageTemplate": {
        "enabled": False,
        "hashVerificationEnabled": True,
        "template": "{{y}}/{{y}}-{{MM}}-{{dd}}/{{filename}}",
    },
    "image": {
        "thumbnail": {"format": "webp", "size": 250, "quality": 80},
        "preview": {"format": "jpeg", "size": 1440, "quality": 80},
        "colorspace": "p3",
        "extractEmbedded": False,
        "fullsize": {"enabled": False, "format": "jpeg", "quality": 80},
    },
    "newVersionCheck": {"enabled": True},
    "trash": {"enabled": True, "days": 30},
    "theme": {"customCss": ""},
    "library": {"scan": {"enabled": True, "cronExpression": "0 0 * * *"}, "watch": {"enabled": False}},
    "server": {"externalDomain": "", "loginPageMessage": "", "publicUsers": True},
    "notifications": {
        "smtp": {
            "enabled": False,
            "from": "",
            "replyTo": "",
            "transport": {"ignoreCert": False, "host": "", "port": 587, "username": "", "password": ""},
        }
    },
    "templates": {"email": {"welcomeTemplate": "", "albumInviteTemplate": "", "albumUpdateTemplate": ""}},
    "user": {"deleteDelay": 7},
}

# `SystemConfigTemplateStorageOptionDto` as upstream's `getStorageTemplateOptions` builds it.
UPSTREAM_TEMPLATE_OPTIONS = {
    "secondOptions": ["s", "ss", "SSS"],
    "minuteOptions": ["m", "mm"],
    "dayOptions": ["d", "dd"],
    "weekOptions": ["W", "WW"],
    "hourOptions": ["h", "hh", "H", "HH"],
    "yearOptions": ["y", "yy"],
    "monthOptions": ["M", "MM", "MMM", "MMMM"],
    "presetOptions": [
        "{{y}}/{{y}}-{{MM}}-{{dd}}/{{filename}}",
        "{{y}}/{{MM}}-{{dd}}/{{filename}}",
        "{{y}}/{{MMMM}}-{{dd}}/{{filename}}",
        "{{y}}/{{MM}}/{{filename}}",
        "{{y}}/{{#if album}}{{album}}{{else}}Other/{{MM}}{{/if}}/{{filename}}",
        "{{y}}/{{MMM}}/{{filename}}",
        "{{y}}/{{MMMM}}/{{filename}}",
        "{{y}}/{{MM}}/{{dd}}/{{filename}}",
        "{{y}}/{{MMMM}}/{{dd}}/{{filename}}",
        "{{y}}/{{y}}-{{MM}}/{{y}}-{{MM}}-{{dd}}/{{filename}}",
        "{{y}}-{{MM}}-{{dd}}/{{filename}}",
        "{{y}}-{{MMM}}-{{dd}}/{{filename}}",
        "{{y}}-{{MMMM}}-{{dd}}/{{filename}}",
        "{{y}}/{{y}}-{{MM}}/{{filename}}",
        "{{y}}/{{y}}-{{WW}}/{{filename}}",
        "{{y}}/{{y}}-{{MM}}-{{dd}}/{{assetId}}",
        "{{y}}/{{y}}-{{MM}}/{{assetId}}",
        "{{y}}/{{y}}-{{WW}}/{{assetId}}",
        "{{album}}/{{filename}}",
    ],
}


@pytest.fixture
def settings(media: Path) -> Settings:
    """Machine learning left at its default (enabled), as in an upstream install without ML variables."""
    return Settings(media_location=media)


def stored_overrides(container: Container) -> Any:
    with container.unit_of_work() as uow:
        return Repositories(uow).system_metadata.get("system-config")


def put_config(api: Api, admin: Caller, config: dict[str, Any]) -> Any:
    return api.request("PUT", "/api/system-config", admin, json=config)


def changed(**paths: Any) -> dict[str, Any]:
    """Upstream's defaults with some values replaced, e.g. changed(**{"trash.days": 12})."""
    config = copy.deepcopy(UPSTREAM_DEFAULTS)
    for path, value in paths.items():
        *parents, leaf = path.split(".")
        node = config
        for key in parents:
            node = node[key]
        node[leaf] = value
    return config


def test_defaults_are_upstreams_document(api: Api) -> None:
    response = api.request("GET", "/api/system-config/defaults", api.admin())
    assert response.status_code == 200
    assert response.json() == UPSTREAM_DEFAULTS
    assert list(response.json()) == list(UPSTREAM_DEFAULTS)
    # JavaScript numbers: integral values have no fraction.
    assert '"defaultStorageQuota":0,' in response.text and '"port":587' in response.text


def test_config_is_the_defaults_until_changed(api: Api) -> None:
    response = api.request("GET", "/api/system-config", api.admin())
    assert response.status_code == 200
    assert response.json() == UPSTREAM_DEFAULTS


def test_update_returns_the_new_config_and_stores_only_the_difference(api: Api, container: Container) -> None:
    admin = api.admin()
    config = changed(**{"trash.days": 12, "ffmpeg.crf": 30, "server.externalDomain": "https://Photos.Example.com/x"})
    response = put_config(api, admin, config)
    assert response.status_code == 200
    expected = changed(**{"trash.days": 12, "ffmpeg.crf": 30, "server.externalDomain": "https://photos.example.com"})
    assert response.json() == expected
    assert api.request("GET", "/api/system-config", admin).json() == expected
    assert stored_overrides(container) == {
        "ffmpeg": {"crf": 30},
        "trash": {"days": 12},
        "server": {"externalDomain": "https://Photos.Example.com/x"},
    }


def test_defaults_and_empty_strings_are_not_stored(api: Api, container: Container) -> None:
    admin = api.admin()
    put_config(api, admin, changed(**{"trash.days": 12}))
    response = put_config(api, admin, changed(**{"oauth.buttonText": ""}))
    assert response.status_code == 200
    assert response.json()["oauth"]["buttonText"] == "Login with OAuth"
    assert response.json()["trash"]["days"] == 30
    assert stored_overrides(container) == {}


def test_target_codecs_are_always_accepted(api: Api) -> None:
    config = changed(**{"ffmpeg.targetVideoCodec": "hevc", "ffmpeg.acceptedAudioCodecs": ["mp3"]})
    body = put_config(api, api.admin(), config).json()
    assert body["ffmpeg"]["acceptedVideoCodecs"] == ["h264", "hevc"]
    assert body["ffmpeg"]["acceptedAudioCodecs"] == ["mp3", "aac"]


def test_numbers_keep_their_javascript_form(api: Api) -> None:
    config = changed(
        **{"notifications.smtp.transport.port": 465.0, "machineLearning.facialRecognition.maxDistance": 1.0}
    )
    response = put_config(api, api.admin(), config)
    assert '"port":465,' in response.text and '"maxDistance":1,' in response.text
    assert response.json()["machineLearning"]["duplicateDetection"]["maxDistance"] == 0.01


def test_the_deprecated_single_url_replaces_the_list(api: Api) -> None:
    config = changed(**{"machineLearning.url": "http://ml:3003"})
    body = put_config(api, api.admin(), config).json()
    assert body["machineLearning"]["urls"] == ["http://ml:3003"]
    assert "url" not in body["machineLearning"]


def test_update_emits_a_config_event_after_commit(api: Api, container: Container) -> None:
    admin = api.admin()
    events: list[ClientEvent] = []
    container.bus.subscribe(events.append)
    put_config(api, admin, changed(**{"trash.days": 3}))
    assert [(e.name, e.room) for e in events] == [("on_config_update", None)]


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        ("ffmpeg.crf", 52, "ffmpeg.crf must not be greater than 51"),
        ("ffmpeg.bframes", -2, "ffmpeg.bframes must not be less than -1"),
        (
            "ffmpeg.targetVideoCodec",
            "mpeg2",
            "ffmpeg.targetVideoCodec must be one of the following values: h264, hevc, vp9, av1",
        ),
        ("job.thumbnailGeneration.concurrency", 0, "job.thumbnailGeneration.concurrency must be a positive number"),
        ("backup.database.keepLastAmount", 1.5, "backup.database.keepLastAmount must be an integer number"),
        ("trash.days", "x", "trash.days must be an integer number"),
        ("image.thumbnail.quality", 101, "image.thumbnail.quality must not be greater than 100"),
        (
            "machineLearning.facialRecognition.minScore",
            0.01,
            "machineLearning.facialRecognition.minScore must not be less than 0.1",
        ),
        ("oauth.timeout", 0, "oauth.timeout must be a positive number"),
        (
            "logging.level",
            "loud",
            "logging.level must be one of the following values: verbose, debug, log, warn, error, fatal",
        ),
        ("passwordLogin.enabled", "maybe", "passwordLogin.enabled must be a boolean value"),
        ("theme.customCss", 5, "theme.customCss must be a string"),
        ("user.deleteDelay", 0, "user.deleteDelay must not be less than 1"),
    ],
)
def test_update_validates_types_enums_and_ranges(api: Api, path: str, value: Any, message: str) -> None:
    response = put_config(api, api.admin(), changed(**{path: value}))
    assert response.status_code == 400
    assert response.json()["message"] == [message]


@pytest.mark.parametrize(
    ("paths", "messages"),
    [
        ({"library.scan.cronExpression": "every day"}, ["library.scan.Invalid cron expression"]),
        (
            {"backup.database.cronExpression": ""},
            ["backup.database.Invalid cron expression", "backup.database.cronExpression should not be empty"],
        ),
        ({"oauth.enabled": True}, ["oauth.clientId should not be empty", "oauth.issuerUrl should not be empty"]),
        (
            {"oauth.mobileOverrideEnabled": True, "oauth.mobileRedirectUri": "nope"},
            ["oauth.mobileRedirectUri must be a URL address"],
        ),
        ({"server.externalDomain": "photos.example.com"}, ["server.externalDomain must be a URL address"]),
        ({"map.darkStyle": ""}, ["map.darkStyle must be a URL address", "map.darkStyle should not be empty"]),
        ({"machineLearning.urls": []}, ["machineLearning.urls must contain at least 1 elements"]),
        ({"machineLearning.urls": ["not a url"]}, ["machineLearning.each value in urls must be a URL address"]),
        (
            {"notifications.smtp.enabled": True},
            [
                "notifications.smtp.from should not be empty",
                "notifications.smtp.transport.host should not be empty",
            ],
        ),
        ({"storageTemplate.template": ""}, ["storageTemplate.template should not be empty"]),
    ],
)
def test_update_applies_upstreams_conditional_rules(api: Api, paths: dict[str, Any], messages: list[str]) -> None:
    response = put_config(api, api.admin(), changed(**paths))
    assert response.status_code == 400
    assert response.json()["message"] == messages


def test_rules_of_disabled_sections_are_skipped(api: Api) -> None:
    config = changed(**{"backup.database.enabled": False, "backup.database.cronExpression": "nonsense"})
    config["machineLearning"].update(enabled=False, urls=[])
    assert put_config(api, api.admin(), config).status_code == 200


def test_a_disabled_library_scan_still_needs_a_valid_cron(api: Api) -> None:
    config = changed(**{"library.scan.enabled": False, "library.scan.cronExpression": "61 * * * *"})
    response = put_config(api, api.admin(), config)
    assert response.status_code == 400
    assert response.json()["message"] == "Invalid cron expression 61 * * * *"


def test_the_storage_template_must_render(api: Api, container: Container) -> None:
    admin = api.admin()
    response = put_config(api, admin, changed(**{"storageTemplate.template": "{{y}}/{{foo}}"}))
    assert response.status_code == 400
    assert response.json()["message"] == 'Invalid storage template: Error: "foo" not defined in [object Object] - 1:8'
    assert stored_overrides(container) is None
    template = "{{y}}/{{#if album}}{{album}}{{else}}{{MMMM}}{{/if}}/{{filename}}-{{assetIdShort}}"
    assert put_config(api, admin, changed(**{"storageTemplate.template": template})).status_code == 200


def test_storage_template_options_are_upstreams(api: Api) -> None:
    response = api.request("GET", "/api/system-config/storage-template-options", api.admin())
    assert response.status_code == 200
    assert response.json() == UPSTREAM_TEMPLATE_OPTIONS


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/system-config"),
        ("PUT", "/api/system-config"),
        ("GET", "/api/system-config/defaults"),
        ("GET", "/api/system-config/storage-template-options"),
    ],
)
def test_routes_need_an_admin(api: Api, container: Container, method: str, path: str) -> None:
    response = api.request(method, path, json=UPSTREAM_DEFAULTS)
    assert response.status_code == 401 and response.json()["message"] == "Authentication required"
    admin = api.admin()
    response = api.request(method, path, make_user(container, api), json=UPSTREAM_DEFAULTS)
    assert response.status_code == 403 and response.json()["message"] == "Forbidden"
    permission = "systemConfig.update" if method == "PUT" else "systemConfig.read"
    response = api.request(
        method, path, make_api_key(container, admin, ["systemMetadata.read"]), json=UPSTREAM_DEFAULTS
    )
    assert response.status_code == 403
    assert response.json()["message"] == f"Missing required permission: {permission}"
    response = api.request(method, path, make_api_key(container, admin, [permission]), json=UPSTREAM_DEFAULTS)
    assert response.status_code == 200


@pytest.fixture
def file_api(media: Path, clean_engine: Engine, tmp_path: Path) -> Iterator[Api]:
    """A server whose configuration comes from IMMICH_CONFIG_FILE."""
    config_file = tmp_path / "immich.json"
    config_file.write_text(json.dumps({"trash": {"days": 9}, "server": {"loginPageMessage": "Hello"}}))
    container = build_container(Settings(media_location=media, config_file=config_file), clean_engine)
    with TestClient(create_app(container.settings, container, run_migrations=False)) as client:
        yield Api(client)


def test_config_file_values_are_served_and_updates_refused(file_api: Api) -> None:
    admin = file_api.admin()
    config = file_api.request("GET", "/api/system-config", admin).json()
    assert config["trash"]["days"] == 9 and config["server"]["loginPageMessage"] == "Hello"
    response = put_config(file_api, admin, UPSTREAM_DEFAULTS)
    assert response.status_code == 400
    assert response.json()["message"] == "Cannot update configuration while IMMICH_CONFIG_FILE is in use"
    assert file_api.request("GET", "/api/server/features").json()["configFile"] is True
    server_config = file_api.request("GET", "/api/server/config").json()
    assert server_config["trashDays"] == 9 and server_config["isOnboarded"] is True


def test_an_invalid_body_is_refused_even_in_config_file_mode(file_api: Api) -> None:
    response = put_config(file_api, file_api.admin(), changed(**{"ffmpeg.crf": 99}))
    assert response.json()["message"] == ["ffmpeg.crf must not be greater than 51"]


@pytest.mark.parametrize(
    ("expression", "valid"),
    [
        ("0 02 * * *", True),
        ("*/15 * * * *", True),
        ("0 0 1-15/2 jan,mar mon-fri", True),
        ("30 0 0 * * 7", True),
        ("@daily", True),
        ("@weekdays", True),
        ("0 24 * * *", False),
        ("0 0 0 * *", False),
        ("* * * *", False),
        ("*/0 * * * *", False),
        ("0 0 * * foo", False),
        ("", False),
    ],
)
def test_cron_expressions(expression: str, valid: bool) -> None:
    assert is_valid_cron(expression) is valid


def test_url_rules() -> None:
    assert is_url("https://tiles.immich.cloud/v1/style/light.json")
    assert not is_url("http://localhost:3003")
    assert is_url("http://immich_machine-learning:3003", require_tld=False, allow_underscores=True)
    assert is_url("http://[::1]:8080/x") and is_url("ftp://user:pw@example.com")
    assert not is_url("//example.com") and not is_url("mailto:a@example.com") and not is_url("http://exa mple.com")
    assert not is_url("example.com", require_protocol=True) and not is_url("ws://example.com")


def test_every_preset_is_a_valid_storage_template() -> None:
    assert [storage_template_error(t) for t in STORAGE_PRESETS] == [None] * len(STORAGE_PRESETS)
    assert storage_template_error("{{y}/{{MM}}") == "Error: Parse error on line 1"
    assert storage_template_error("{{#if album}}{{album}}") == "Error: Parse error on line 1"
    assert storage_template_error("{{#each x}}{{/if}}") == "Error: Parse error on line 1"
    assert storage_template_error("a\n{{#foo}}{{/foo}}") == 'Error: "foo" not defined in [object Object] - 2:3'


def test_other_services_change_settings_through_patch_config(container: Container) -> None:
    events: list[ClientEvent] = []
    container.bus.subscribe(events.append)
    with container.unit_of_work() as uow:
        config = SystemConfigService(container.context(uow)).patch_config({"passwordLogin": {"enabled": False}})
    assert config["passwordLogin"] == {"enabled": False} and config["trash"] == UPSTREAM_DEFAULTS["trash"]
    assert stored_overrides(container) == {"passwordLogin": {"enabled": False}}
    assert [e.name for e in events] == ["on_config_update"]


@pytest.mark.parametrize(
    ("document", "problem"),
    [
        ({"trash": {"days": 9}}, None),
        ({"ffmpeg": {"crf": 99}}, "ffmpeg.crf: Input should be less than or equal to 51"),
        ({"library": {"scan": {"cronExpression": "nope"}}}, "library.scan.Invalid cron expression"),
    ],
)
def test_a_config_file_is_checked(
    media: Path, clean_engine: Engine, tmp_path: Path, document: dict[str, Any], problem: str | None
) -> None:
    config_file = tmp_path / "immich.json"
    config_file.write_text(json.dumps(document))
    container = build_container(Settings(media_location=media, config_file=config_file), clean_engine)
    with container.unit_of_work() as uow:
        service = SystemConfigService(container.context(uow))
        if problem is None:
            service.check_config_file()
        else:
            with pytest.raises(ConfigFileError, match=re.escape(problem)):
                service.check_config_file()

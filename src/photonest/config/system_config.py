"""The admin-editable system configuration: upstream's defaults and deep merging of overrides."""

from __future__ import annotations

import copy
from typing import Any

from photonest.config.env import Settings

ConfigDict = dict[str, Any]


def default_config(settings: Settings) -> ConfigDict:
    """Upstream v1.134.0's default document (`server/src/config.ts`), with env-driven values from settings."""
    return {
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
            "enabled": settings.machine_learning_enabled,
            "urls": [settings.machine_learning_url],
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
            "defaultStorageQuota": None,
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


def merge(base: ConfigDict, overrides: ConfigDict) -> ConfigDict:
    """Deep-merge overrides into a copy of base; lists and scalars replace, objects merge."""
    result = copy.deepcopy(base)
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = merge(result[key], value)
        else:
            result[key] = copy.deepcopy(value)
    return result


def diff(base: ConfigDict, config: ConfigDict) -> ConfigDict:
    """The parts of config that differ from base: what is stored as the admin's overrides."""
    result: ConfigDict = {}
    for key, value in config.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            nested = diff(base[key], value)
            if nested:
                result[key] = nested
        elif key not in base or base[key] != value:
            result[key] = copy.deepcopy(value)
    return result

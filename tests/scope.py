"""The operations this server implements, with upstream's authentication rule for each (route table of v1.134.0)."""

from __future__ import annotations

import json
import os
from pathlib import Path

SPEC_CANDIDATES = [
    os.environ.get("PHOTONEST_IMMICH_SPEC", ""),
    str(Path(__file__).resolve().parents[2] / "shared" / "immich-openapi-specs.json"),
    "/work/shared/immich-openapi-specs.json",
]

TAGS = {
    "Authentication",
    "API Keys",
    "Sessions",
    "Users",
    "Users (admin)",
    "Server",
    "System Config",
    "System Metadata",
    "Notifications",
    "Notifications (Admin)",
    "Partners",
    "Assets",
    "Timeline",
    "Trash",
    "Stacks",
    "Download",
    "View",
    "Jobs",
}

# (method, path) -> "public" | "auth" | "admin" | permission | "admin <permission>", from upstream's controllers.
AUTH_RULES: dict[tuple[str, str], str] = {
    ("GET", "/api-keys"): "apiKey.read",
    ("POST", "/api-keys"): "apiKey.create",
    ("DELETE", "/api-keys/{id}"): "apiKey.delete",
    ("GET", "/api-keys/{id}"): "apiKey.read",
    ("PUT", "/api-keys/{id}"): "apiKey.update",
    ("POST", "/auth/admin-sign-up"): "public",
    ("POST", "/auth/change-password"): "auth",
    ("POST", "/auth/login"): "public",
    ("POST", "/auth/logout"): "auth",
    ("DELETE", "/auth/pin-code"): "auth",
    ("POST", "/auth/pin-code"): "auth",
    ("PUT", "/auth/pin-code"): "auth",
    ("POST", "/auth/session/lock"): "auth",
    ("POST", "/auth/session/unlock"): "auth",
    ("GET", "/auth/status"): "auth",
    ("POST", "/auth/validateToken"): "auth",
    ("DELETE", "/notifications"): "notification.delete",
    ("GET", "/notifications"): "notification.read",
    ("PUT", "/notifications"): "notification.update",
    ("DELETE", "/notifications/{id}"): "notification.delete",
    ("GET", "/notifications/{id}"): "notification.read",
    ("PUT", "/notifications/{id}"): "notification.update",
    ("POST", "/admin/notifications"): "admin",
    ("POST", "/admin/notifications/templates/{name}"): "admin",
    ("POST", "/admin/notifications/test-email"): "admin",
    ("GET", "/partners"): "partner.read",
    ("DELETE", "/partners/{id}"): "partner.delete",
    ("POST", "/partners/{id}"): "partner.create",
    ("PUT", "/partners/{id}"): "partner.update",
    ("GET", "/server/about"): "auth",
    ("GET", "/server/config"): "public",
    ("GET", "/server/features"): "public",
    ("DELETE", "/server/license"): "admin",
    ("GET", "/server/license"): "admin",
    ("PUT", "/server/license"): "admin",
    ("GET", "/server/media-types"): "public",
    ("GET", "/server/ping"): "public",
    ("GET", "/server/statistics"): "admin",
    ("GET", "/server/storage"): "auth",
    ("GET", "/server/theme"): "public",
    ("GET", "/server/version"): "public",
    ("GET", "/server/version-check"): "auth",
    ("GET", "/server/version-history"): "public",
    ("DELETE", "/sessions"): "session.delete",
    ("GET", "/sessions"): "session.read",
    ("POST", "/sessions"): "session.create",
    ("DELETE", "/sessions/{id}"): "session.delete",
    ("POST", "/sessions/{id}/lock"): "session.lock",
    ("GET", "/system-config"): "admin systemConfig.read",
    ("PUT", "/system-config"): "admin systemConfig.update",
    ("GET", "/system-config/defaults"): "admin systemConfig.read",
    ("GET", "/system-config/storage-template-options"): "admin systemConfig.read",
    ("GET", "/system-metadata/admin-onboarding"): "admin systemMetadata.read",
    ("POST", "/system-metadata/admin-onboarding"): "admin systemMetadata.update",
    ("GET", "/system-metadata/reverse-geocoding-state"): "admin systemMetadata.read",
    ("GET", "/system-metadata/version-check-state"): "admin systemMetadata.read",
    ("GET", "/users"): "auth",
    ("GET", "/users/me"): "auth",
    ("PUT", "/users/me"): "auth",
    ("DELETE", "/users/me/license"): "auth",
    ("GET", "/users/me/license"): "auth",
    ("PUT", "/users/me/license"): "auth",
    ("GET", "/users/me/preferences"): "auth",
    ("PUT", "/users/me/preferences"): "auth",
    ("DELETE", "/users/profile-image"): "auth",
    ("POST", "/users/profile-image"): "auth",
    ("GET", "/users/{id}"): "auth",
    ("GET", "/users/{id}/profile-image"): "auth",
    ("GET", "/admin/users"): "admin admin.user.read",
    ("POST", "/admin/users"): "admin admin.user.create",
    ("DELETE", "/admin/users/{id}"): "admin admin.user.delete",
    ("GET", "/admin/users/{id}"): "admin admin.user.read",
    ("PUT", "/admin/users/{id}"): "admin admin.user.update",
    ("GET", "/admin/users/{id}/preferences"): "admin admin.user.read",
    ("PUT", "/admin/users/{id}/preferences"): "admin admin.user.update",
    ("POST", "/admin/users/{id}/restore"): "admin admin.user.delete",
    ("GET", "/admin/users/{id}/statistics"): "admin admin.user.read",
    # Assets: v1.134 gates most asset routes only through object access; scoped keys are checked here too.
    ("DELETE", "/assets"): "auth",
    ("POST", "/assets"): "asset.upload",
    ("PUT", "/assets"): "auth",
    ("POST", "/assets/bulk-upload-check"): "asset.upload",
    ("GET", "/assets/device/{deviceId}"): "asset.upload",
    ("POST", "/assets/exist"): "asset.upload",
    ("POST", "/assets/jobs"): "auth",
    ("GET", "/assets/random"): "asset.read",
    ("GET", "/assets/statistics"): "asset.read",
    ("GET", "/assets/{id}"): "auth",
    ("PUT", "/assets/{id}"): "auth",
    ("GET", "/assets/{id}/original"): "asset.download",
    ("PUT", "/assets/{id}/original"): "asset.update",
    ("GET", "/assets/{id}/thumbnail"): "asset.view",
    ("GET", "/assets/{id}/video/playback"): "asset.view",
    ("GET", "/timeline/buckets"): "asset.read",
    ("GET", "/timeline/bucket"): "asset.read",
    ("POST", "/trash/empty"): "asset.delete",
    ("POST", "/trash/restore"): "asset.delete",
    ("POST", "/trash/restore/assets"): "asset.delete",
    ("DELETE", "/stacks"): "stack.delete",
    ("GET", "/stacks"): "stack.read",
    ("POST", "/stacks"): "stack.create",
    ("DELETE", "/stacks/{id}"): "stack.delete",
    ("GET", "/stacks/{id}"): "stack.read",
    ("PUT", "/stacks/{id}"): "stack.update",
    ("POST", "/download/archive"): "auth",
    ("POST", "/download/info"): "auth",
    ("GET", "/view/folder"): "auth",
    ("GET", "/view/folder/unique-paths"): "auth",
    ("GET", "/jobs"): "admin",
    ("POST", "/jobs"): "admin",
    ("PUT", "/jobs/{id}"): "admin",
}


def load_spec() -> dict:  # type: ignore[type-arg]
    """The Immich v1.134.0 OpenAPI document (PHOTONEST_IMMICH_SPEC, or the shared copy beside the checkout)."""
    for candidate in SPEC_CANDIDATES:
        if candidate and Path(candidate).is_file():
            return json.loads(Path(candidate).read_text())  # type: ignore[no-any-return]
    raise FileNotFoundError("immich-openapi-specs.json not found; set PHOTONEST_IMMICH_SPEC")


def spec_operations() -> list[tuple[str, str, dict]]:  # type: ignore[type-arg]
    """(METHOD, path, operation) for every spec operation of the implemented tags."""
    found = []
    for path, item in load_spec()["paths"].items():
        for method, operation in item.items():
            if method in ("get", "post", "put", "delete", "patch") and operation["tags"][0] in TAGS:
                found.append((method.upper(), path, operation))
    return found

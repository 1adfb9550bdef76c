"""Object-level access rules (upstream `utils/access.ts`): which of the requested ids a caller may touch.

Each permission maps to one rule that resolves a whole set of ids at once with a bulk query in a repository. Later
capabilities (assets, albums, shared links, ...) add their rules here with `@rule(...)`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from uuid import UUID

from photonest.errors import no_access
from photonest.records import Auth
from photonest.repositories import Repositories
from photonest.schemas.generated import Permission

Rule = Callable[[Repositories, Auth, set[UUID]], set[UUID]]

# Rules for callers authenticated as a user (session or API key), and for callers holding a shared-link key.
_USER_RULES: dict[Permission, Rule] = {}
_SHARED_LINK_RULES: dict[Permission, Rule] = {}


def rule(*permissions: Permission, shared_link: bool = False) -> Callable[[Rule], Rule]:
    """Register a rule for these permissions (for shared-link callers when `shared_link`)."""
    table = _SHARED_LINK_RULES if shared_link else _USER_RULES

    def register(check: Rule) -> Rule:
        for permission in permissions:
            if permission in table:
                raise ValueError(f"Two access rules for {permission.value}")
            table[permission] = check
        return check

    return register


def check_access(repos: Repositories, auth: Auth, permission: Permission, ids: Iterable[UUID]) -> set[UUID]:
    """The subset of `ids` the caller may use with `permission`; unknown permissions allow nothing."""
    wanted = set(ids)
    if not wanted:
        return set()
    table = _SHARED_LINK_RULES if auth.shared_link is not None else _USER_RULES
    check = table.get(permission)
    return check(repos, auth, wanted) & wanted if check else set()


def require_access(repos: Repositories, auth: Auth, permission: Permission, ids: Iterable[UUID]) -> set[UUID]:
    """All of `ids`, or 400 "Not found or no <permission> access" when any of them is not allowed."""
    wanted = set(ids)
    allowed = check_access(repos, auth, permission, wanted)
    if allowed != wanted:
        raise no_access(permission.value)
    return allowed


@rule(
    Permission.AUTH_DEVICE_DELETE,
    Permission.SESSION_READ,
    Permission.SESSION_UPDATE,
    Permission.SESSION_DELETE,
    Permission.SESSION_LOCK,
)
def _own_sessions(repos: Repositories, auth: Auth, ids: set[UUID]) -> set[UUID]:
    return repos.sessions.list_ids_owned(auth.user_id, ids)


@rule(Permission.NOTIFICATION_READ, Permission.NOTIFICATION_UPDATE, Permission.NOTIFICATION_DELETE)
def _own_notifications(repos: Repositories, auth: Auth, ids: set[UUID]) -> set[UUID]:
    return repos.notifications.owned_ids(auth.user_id, ids)


@rule(Permission.PARTNER_UPDATE)
def _partners_sharing_with_me(repos: Repositories, auth: Auth, ids: set[UUID]) -> set[UUID]:
    # The ids are the users who share with the caller: only the receiving side sets `inTimeline`.
    return repos.partners.list_ids_sharing_with(auth.user_id, ids)


# --- assets (upstream `checkOtherAccess` / `checkSharedLinkAccess` for asset.*) ---


def _own_assets(repos: Repositories, auth: Auth, ids: set[UUID]) -> set[UUID]:
    return repos.assets.owned_ids(auth.user_id, ids, with_locked=auth.has_elevated_permission)


def _own_or_partner_assets(repos: Repositories, auth: Auth, ids: set[UUID]) -> set[UUID]:
    owned = _own_assets(repos, auth, ids)
    rest = ids - owned
    return owned | repos.assets.partner_ids(auth.user_id, rest) if rest else owned


@rule(Permission.ASSET_READ, Permission.ASSET_VIEW, Permission.ASSET_DOWNLOAD)
def _readable_assets(repos: Repositories, auth: Auth, ids: set[UUID]) -> set[UUID]:
    # Album members join here once albums exist (upstream checks owner, album, then partner).
    return _own_or_partner_assets(repos, auth, ids)


@rule(Permission.ASSET_SHARE)
def _shareable_assets(repos: Repositories, auth: Auth, ids: set[UUID]) -> set[UUID]:
    return _own_or_partner_assets(repos, auth, ids)


@rule(Permission.ASSET_UPDATE, Permission.ASSET_DELETE)
def _owned_assets(repos: Repositories, auth: Auth, ids: set[UUID]) -> set[UUID]:
    return _own_assets(repos, auth, ids)


@rule(Permission.ASSET_UPLOAD)
def _upload_as_self(repos: Repositories, auth: Auth, ids: set[UUID]) -> set[UUID]:
    # The id is the caller's own user id: uploads need no object, only the right to upload.
    return ids & {auth.user_id}


@rule(Permission.ASSET_UPLOAD, shared_link=True)
def _upload_through_link(repos: Repositories, auth: Auth, ids: set[UUID]) -> set[UUID]:
    link = auth.shared_link
    return ids if link is not None and link.allow_upload else set()

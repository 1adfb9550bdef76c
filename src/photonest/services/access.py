"""Object-level access rules (upstream `utils/access.ts`): which of the requested ids a caller may touch.

Each permission maps to one rule that resolves a whole set of ids at once with a bulk query in a repository. Later
capabilities add their rules here with `@rule(...)`; a permission with no rule allows nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from uuid import UUID

from photonest.errors import no_access
from photonest.records import Auth
from photonest.repositories import Repositories
from photonest.repositories.access import ANY_ROLE, EDITOR_ROLES
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


# --- assets (upstream `checkOtherAccess` / `checkSharedLinkAccess` for asset.*): owner, album, partner ---


def _own_assets(repos: Repositories, auth: Auth, ids: set[UUID]) -> set[UUID]:
    return repos.assets.owned_ids(auth.user_id, ids, with_locked=auth.has_elevated_permission)


def _first_of(*checks: Rule) -> Rule:
    """A rule allowing what any of the checks allows, asking each only about the ids still undecided."""

    def combined(repos: Repositories, auth: Auth, ids: set[UUID]) -> set[UUID]:
        allowed: set[UUID] = set()
        for check in checks:
            rest = ids - allowed
            if not rest:
                break
            allowed |= check(repos, auth, rest)
        return allowed

    return combined


def _album_assets(repos: Repositories, auth: Auth, ids: set[UUID]) -> set[UUID]:
    return repos.access.asset_album_ids(auth.user_id, ids)


def _partner_assets(repos: Repositories, auth: Auth, ids: set[UUID]) -> set[UUID]:
    return repos.assets.partner_ids(auth.user_id, ids)


rule(Permission.ASSET_READ, Permission.ASSET_VIEW, Permission.ASSET_DOWNLOAD)(
    _first_of(_own_assets, _album_assets, _partner_assets)
)
rule(Permission.ASSET_SHARE)(_first_of(_own_assets, _partner_assets))
rule(Permission.ASSET_UPDATE, Permission.ASSET_DELETE)(_own_assets)


@rule(Permission.ASSET_UPLOAD)
def _upload_as_self(repos: Repositories, auth: Auth, ids: set[UUID]) -> set[UUID]:
    # The id is the caller's own user id: uploads need no object, only the right to upload.
    return ids & {auth.user_id}


# --- albums: the owner does everything, editors add and remove assets, every member reads ---


def _own_albums(repos: Repositories, auth: Auth, ids: set[UUID]) -> set[UUID]:
    return repos.access.album_owner_ids(auth.user_id, ids)


def _albums_shared_with_me(repos: Repositories, auth: Auth, ids: set[UUID]) -> set[UUID]:
    return repos.access.album_member_ids(auth.user_id, ids, ANY_ROLE)


def _albums_i_edit(repos: Repositories, auth: Auth, ids: set[UUID]) -> set[UUID]:
    return repos.access.album_member_ids(auth.user_id, ids, EDITOR_ROLES)


rule(Permission.ALBUM_READ, Permission.ALBUM_DOWNLOAD)(_first_of(_own_albums, _albums_shared_with_me))
rule(Permission.ALBUM_ADD_ASSET, Permission.ALBUM_REMOVE_ASSET)(_first_of(_own_albums, _albums_i_edit))
rule(Permission.ALBUM_UPDATE, Permission.ALBUM_DELETE, Permission.ALBUM_SHARE)(_own_albums)


# --- activities ---


@rule(Permission.ACTIVITY_CREATE)
def _albums_open_for_activity(repos: Repositories, auth: Auth, ids: set[UUID]) -> set[UUID]:
    # The ids are album ids: members of an album with activity enabled may comment and like.
    return repos.access.activity_create_album_ids(auth.user_id, ids)


def _own_activities(repos: Repositories, auth: Auth, ids: set[UUID]) -> set[UUID]:
    return repos.access.activity_owner_ids(auth.user_id, ids)


def _activities_on_my_albums(repos: Repositories, auth: Auth, ids: set[UUID]) -> set[UUID]:
    return repos.access.activity_album_owner_ids(auth.user_id, ids)


rule(Permission.ACTIVITY_DELETE)(_first_of(_own_activities, _activities_on_my_albums))


# --- memories, tags, stacks ---


@rule(Permission.MEMORY_READ, Permission.MEMORY_UPDATE, Permission.MEMORY_DELETE)
def _own_memories(repos: Repositories, auth: Auth, ids: set[UUID]) -> set[UUID]:
    return repos.access.memory_owner_ids(auth.user_id, ids)


@rule(Permission.TAG_READ, Permission.TAG_UPDATE, Permission.TAG_DELETE, Permission.TAG_ASSET)
def _own_tags(repos: Repositories, auth: Auth, ids: set[UUID]) -> set[UUID]:
    return repos.access.tag_owner_ids(auth.user_id, ids)


@rule(Permission.STACK_READ, Permission.STACK_UPDATE, Permission.STACK_DELETE)
def _own_stacks(repos: Repositories, auth: Auth, ids: set[UUID]) -> set[UUID]:
    return repos.stacks.owned_ids(auth.user_id, ids)


# People and faces belong to the owner only (upstream: person owner, or owner of the face's asset).
@rule(
    Permission.PERSON_READ,
    Permission.PERSON_UPDATE,
    Permission.PERSON_DELETE,
    Permission.PERSON_MERGE,
    Permission.PERSON_STATISTICS,
)
def _own_people(repos: Repositories, auth: Auth, ids: set[UUID]) -> set[UUID]:
    return repos.people.owner_ids(auth.user_id, ids)


# The ids are face ids.
@rule(
    Permission.PERSON_CREATE,
    Permission.PERSON_REASSIGN,
    Permission.FACE_READ,
    Permission.FACE_UPDATE,
    Permission.FACE_DELETE,
)
def _own_faces(repos: Repositories, auth: Auth, ids: set[UUID]) -> set[UUID]:
    return repos.people.face_owner_ids(auth.user_id, ids)


# --- timelines: the ids are user ids ---


def _own_timeline(repos: Repositories, auth: Auth, ids: set[UUID]) -> set[UUID]:
    return ids & {auth.user_id}


def _partner_timelines(repos: Repositories, auth: Auth, ids: set[UUID]) -> set[UUID]:
    return repos.access.timeline_partner_ids(auth.user_id, ids)


rule(Permission.TIMELINE_READ)(_first_of(_own_timeline, _partner_timelines))
rule(Permission.TIMELINE_DOWNLOAD, Permission.ARCHIVE_READ)(_own_timeline)


# --- shared-link callers: never more than the link's album or assets, and never the owner's other powers ---
# (v1.134 lets a link share any of its owner's assets; here only what the link already shows, which includes what
# was uploaded through it.)


def _link_id(auth: Auth) -> UUID:
    assert auth.shared_link is not None
    return auth.shared_link.id


@rule(Permission.ASSET_READ, Permission.ASSET_VIEW, Permission.ASSET_SHARE, shared_link=True)
def _link_assets(repos: Repositories, auth: Auth, ids: set[UUID]) -> set[UUID]:
    return repos.access.asset_link_ids(_link_id(auth), ids)


@rule(Permission.ASSET_DOWNLOAD, shared_link=True)
def _link_assets_to_download(repos: Repositories, auth: Auth, ids: set[UUID]) -> set[UUID]:
    link = auth.shared_link
    return repos.access.asset_link_ids(link.id, ids) if link is not None and link.allow_download else set()


@rule(Permission.ASSET_UPLOAD, shared_link=True)
def _upload_through_link(repos: Repositories, auth: Auth, ids: set[UUID]) -> set[UUID]:
    link = auth.shared_link
    return ids if link is not None and link.allow_upload else set()


@rule(Permission.ALBUM_READ, shared_link=True)
def _link_album(repos: Repositories, auth: Auth, ids: set[UUID]) -> set[UUID]:
    return repos.access.album_link_ids(_link_id(auth), ids)


@rule(Permission.ALBUM_DOWNLOAD, shared_link=True)
def _link_album_to_download(repos: Repositories, auth: Auth, ids: set[UUID]) -> set[UUID]:
    link = auth.shared_link
    return repos.access.album_link_ids(link.id, ids) if link is not None and link.allow_download else set()


@rule(Permission.ALBUM_ADD_ASSET, shared_link=True)
def _link_album_to_upload_into(repos: Repositories, auth: Auth, ids: set[UUID]) -> set[UUID]:
    link = auth.shared_link
    return repos.access.album_link_ids(link.id, ids) if link is not None and link.allow_upload else set()

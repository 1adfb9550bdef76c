"""Access rules for stacks, timelines, the archive and tags (upstream `utils/access.ts`), registered with `@rule`."""

from __future__ import annotations

import contextlib
from uuid import UUID

from photonest.records import Auth
from photonest.repositories import Repositories
from photonest.schemas.generated import Permission
from photonest.services.access import Rule, rule


@rule(Permission.STACK_READ, Permission.STACK_UPDATE, Permission.STACK_DELETE)
def _own_stacks(repos: Repositories, auth: Auth, ids: set[UUID]) -> set[UUID]:
    return repos.stacks.owned_ids(auth.user_id, ids)


def _own_timeline(repos: Repositories, auth: Auth, ids: set[UUID]) -> set[UUID]:
    # The ids are user ids: only the caller's own.
    return ids & {auth.user_id}


def _own_or_partner_timeline(repos: Repositories, auth: Auth, ids: set[UUID]) -> set[UUID]:
    own = _own_timeline(repos, auth, ids)
    others = ids - own
    if not others:
        return own
    return own | repos.partners.list_ids_sharing_with(auth.user_id, others)


def _own_tags(repos: Repositories, auth: Auth, ids: set[UUID]) -> set[UUID]:
    return repos.timeline.tag_ids_owned(auth.user_id, ids)


def _register_unclaimed(check: Rule, *permissions: Permission) -> None:
    # These permissions belong to other capabilities too (tags, downloads); their own module may register first.
    for permission in permissions:
        with contextlib.suppress(ValueError):
            rule(permission)(check)


_register_unclaimed(_own_or_partner_timeline, Permission.TIMELINE_READ)
_register_unclaimed(_own_timeline, Permission.TIMELINE_DOWNLOAD, Permission.ARCHIVE_READ)
_register_unclaimed(_own_tags, Permission.TAG_READ)

"""Adding assets to and removing them from a tag, memory or album, with one result per id (`utils/asset.util.ts`)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol
from uuid import UUID

from photonest.records import Auth
from photonest.repositories import Repositories
from photonest.schemas import generated as g
from photonest.services.access import check_access

P = g.Permission
E = g.Error1


class AssetSet(Protocol):
    """A tag, memory or album seen as a set of assets (upstream's `IBulkAsset`)."""

    def contained(self, parent_id: UUID, asset_ids: Iterable[UUID]) -> set[UUID]: ...
    def add(self, parent_id: UUID, asset_ids: list[UUID]) -> None: ...
    def remove(self, parent_id: UUID, asset_ids: list[UUID]) -> None: ...


def add_assets(
    repos: Repositories, auth: Auth, assets: AssetSet, parent_id: UUID, asset_ids: list[UUID]
) -> list[g.BulkIdResponseDto]:
    """Add the assets the caller may share; one result per requested id (upstream's `addAssets`)."""
    present = assets.contained(parent_id, asset_ids)
    allowed = check_access(repos, auth, P.ASSET_SHARE, [a for a in asset_ids if a not in present])
    results = []
    for asset_id in asset_ids:
        if asset_id in present:
            results.append(_failed(asset_id, E.DUPLICATE))
        elif asset_id not in allowed:
            results.append(_failed(asset_id, E.NO_PERMISSION))
        else:
            present.add(asset_id)
            results.append(g.BulkIdResponseDto(id=str(asset_id), success=True))
    added = [UUID(r.id) for r in results if r.success]
    if added:
        assets.add(parent_id, added)
    return results


def remove_assets(
    repos: Repositories,
    auth: Auth,
    assets: AssetSet,
    parent_id: UUID,
    asset_ids: list[UUID],
    can_always_remove: g.Permission,
) -> list[g.BulkIdResponseDto]:
    """Remove the assets; without `can_always_remove` on the parent only those the caller may share."""
    present = assets.contained(parent_id, asset_ids)
    if check_access(repos, auth, can_always_remove, [parent_id]):
        allowed = set(present)
    else:
        allowed = check_access(repos, auth, P.ASSET_SHARE, present)
    results = []
    for asset_id in asset_ids:
        if asset_id not in present:
            results.append(_failed(asset_id, E.NOT_FOUND))
        elif asset_id not in allowed:
            results.append(_failed(asset_id, E.NO_PERMISSION))
        else:
            present.discard(asset_id)
            results.append(g.BulkIdResponseDto(id=str(asset_id), success=True))
    removed = [UUID(r.id) for r in results if r.success]
    if removed:
        assets.remove(parent_id, removed)
    return results


def _failed(asset_id: UUID, reason: g.Error1) -> g.BulkIdResponseDto:
    return g.BulkIdResponseDto(id=str(asset_id), success=False, error=reason)

"""The folder view of a user's originals (`view.service.ts`)."""

from __future__ import annotations

from photonest.records import Auth
from photonest.schemas import generated as g
from photonest.schemas.asset import map_asset
from photonest.services.base import BaseService


def _strip_slash(path: str) -> str:
    """One leading and one trailing '/' removed, as upstream's `replaceAll(/^\\/|\\/$/g, '')`."""
    path = path[1:] if path.startswith("/") else path
    return path[:-1] if path.endswith("/") else path


class ViewService(BaseService):
    """Folders of the caller's non-trashed timeline assets."""

    def get_unique_original_paths(self, auth: Auth) -> list[str]:
        return sorted({_strip_slash(d) for d in self.repos.view.unique_directories(auth.user_id)})

    def get_assets_by_original_path(self, auth: Auth, path: str) -> list[g.AssetResponseDto]:
        """The assets directly in the folder (not in its subfolders), by file name."""
        folder = _strip_slash(path)
        prefixes = [f"/{folder}/", f"{folder}/"] if folder else ["/"]
        found = self.repos.view.assets_directly_in(auth.user_id, prefixes)
        found.sort(key=lambda item: (item.asset.original_path.rsplit("/", 1)[-1], str(item.asset.id)))
        return [map_asset(item.asset, auth_user_id=auth.user_id, exif=item.exif) for item in found]

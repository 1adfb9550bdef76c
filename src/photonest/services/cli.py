"""What the admin commands do (upstream's `immich-admin`, `cli.service.ts`)."""

from __future__ import annotations

import secrets

from photonest.crypto import hash_password
from photonest.errors import BadRequest
from photonest.schemas import generated as g
from photonest.schemas.mappers import map_user_admin
from photonest.services.base import BaseService
from photonest.services.system_config import SystemConfigService


class CliService(BaseService):
    """Admin maintenance operations run from the command line."""

    def list_users(self) -> list[g.UserAdminResponseDto]:
        return [map_user_admin(u) for u in self.repos.users.list_all(with_deleted=True)]

    def reset_admin_password(self, password: str | None) -> str:
        """Set the admin's password (random when none is given) and return it."""
        admin = self.repos.users.get_admin()
        if admin is None:
            raise BadRequest("Admin account does not exist")
        password = password or secrets.token_urlsafe(18)
        self.repos.users.update(admin.id, {"password": hash_password(password)})
        return password

    def set_password_login(self, enabled: bool) -> None:
        SystemConfigService(self.ctx).patch_config({"passwordLogin": {"enabled": enabled}})

    def set_oauth_login(self, enabled: bool) -> None:
        SystemConfigService(self.ctx).patch_config({"oauth": {"enabled": enabled}})

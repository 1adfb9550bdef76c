"""API keys: create, list, rename, re-scope and delete the caller's keys (`api-key.service.ts`)."""

from __future__ import annotations

from uuid import UUID

from photonest.crypto import hash_token, random_token
from photonest.errors import BadRequest, Forbidden
from photonest.records import ApiKey, Auth
from photonest.schemas import generated as g
from photonest.schemas import requests as r
from photonest.schemas.mappers import map_api_key
from photonest.services.auth import is_granted
from photonest.services.base import BaseService

DEFAULT_NAME = "API Key"


class ApiKeyService(BaseService):
    """Manages the caller's API keys; a key never grants more than the key that creates or edits it holds."""

    def create(self, auth: Auth, dto: g.APIKeyCreateDto) -> g.APIKeyCreateResponseDto:
        permissions = [p.value for p in dto.permissions]
        self._require_grantable(auth, permissions)
        secret = random_token()
        key = self.repos.api_keys.create(
            {
                "key": hash_token(secret),
                "name": dto.name or DEFAULT_NAME,
                "user_id": auth.user_id,
                "permissions": permissions,
            }
        )
        return g.APIKeyCreateResponseDto(secret=secret, api_key=map_api_key(key))

    def get_all(self, auth: Auth) -> list[g.APIKeyResponseDto]:
        return [map_api_key(key) for key in self.repos.api_keys.list_by_user(auth.user_id)]

    def get_by_id(self, auth: Auth, key_id: UUID) -> g.APIKeyResponseDto:
        return map_api_key(self._get_own(auth, key_id))

    def get_mine(self, auth: Auth) -> g.APIKeyResponseDto:
        """The key the caller authenticated with (a later upstream addition that newer clients call)."""
        if auth.api_key is None:
            raise Forbidden("Not authenticated with an API Key")
        return map_api_key(self._get_own(auth, auth.api_key.id))

    def update(self, auth: Auth, key_id: UUID, dto: r.APIKeyUpdateDto) -> g.APIKeyResponseDto:
        self._get_own(auth, key_id)
        values: dict[str, object] = {"name": dto.name}
        if dto.permissions is not None:
            permissions = [p.value for p in dto.permissions]
            self._require_grantable(auth, permissions)
            values["permissions"] = permissions
        return map_api_key(self.repos.api_keys.update(key_id, values))

    def delete(self, auth: Auth, key_id: UUID) -> None:
        self._get_own(auth, key_id)
        self.repos.api_keys.delete(key_id)

    def _get_own(self, auth: Auth, key_id: UUID) -> ApiKey:
        key = self.repos.api_keys.get(auth.user_id, key_id)
        if key is None:
            raise BadRequest("API Key not found")
        return key

    @staticmethod
    def _require_grantable(auth: Auth, permissions: list[str]) -> None:
        # A session has all of its user's rights; an API key may only hand on what it holds itself.
        if auth.api_key is not None and not is_granted(permissions, auth.api_key.permissions):
            raise BadRequest("Cannot grant permissions you do not have")

"""Authentication: credentials to callers, login, logout, sign-up, passwords, PIN codes (`auth.service.ts`)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from photonest.crypto import check_password, hash_password, hash_token, random_token
from photonest.db.types import utcnow
from photonest.errors import BadRequest, Forbidden, Unauthorized
from photonest.records import Auth, AuthSharedLink, Session, User
from photonest.schemas import generated as g
from photonest.schemas import requests as r
from photonest.schemas.mappers import map_user_admin
from photonest.schemas.types import to_iso
from photonest.services.base import BaseService
from photonest.services.shared_link import UNLOCK_COOKIE, Unlock, decode_key, is_expired, unlocked

log = logging.getLogger(__name__)

SESSION_TOUCH_INTERVAL = timedelta(hours=1)
PIN_UNLOCK_DURATION = timedelta(minutes=15)
PIN_EXTEND_DURATION = timedelta(minutes=5)
LOGOUT_REDIRECT = "/auth/login?autoLaunch=0"


@dataclass(frozen=True)
class Credentials:
    """The credentials a request carries, already picked out of headers, query and cookies."""

    shared_link_key: str | None = None
    session_token: str | None = None
    api_key: str | None = None
    # What unlocks a password-protected link: the password, or tokens issued for it (cookie or `token` query).
    shared_link_password: str | None = None
    shared_link_tokens: tuple[str, ...] = ()


@dataclass(frozen=True)
class ClientInfo:
    """What a login records about the device."""

    device_type: str = ""
    device_os: str = ""
    client_ip: str = ""


@dataclass(frozen=True)
class RouteAuth:
    """A route's authentication requirements (upstream's `@Authenticated` options)."""

    permission: g.Permission | None = None
    admin: bool = False
    shared_link: bool = False


def is_granted(requested: list[str], current: list[str]) -> bool:
    """An API key's permissions cover the requested ones (`all` covers everything)."""
    return g.Permission.ALL.value in current or set(requested) <= set(current)


def credentials_from(headers: Mapping[str, str], query: Mapping[str, str], cookies: Mapping[str, str]) -> Credentials:
    """Pick credentials out of a request in upstream's order of precedence."""
    bearer = None
    authorization = headers.get("authorization", "")
    if authorization.lower().startswith("bearer "):
        bearer = authorization[7:].strip() or None
    session = (
        headers.get("x-immich-user-token")
        or headers.get("x-immich-session-token")
        or query.get("sessionKey")
        or bearer
        or cookies.get("immich_access_token")
    )
    tokens = (cookies.get(UNLOCK_COOKIE), query.get("token"))
    return Credentials(
        shared_link_key=headers.get("x-immich-share-key") or query.get("key"),
        session_token=session,
        api_key=headers.get("x-api-key") or query.get("apiKey"),
        shared_link_password=headers.get("x-immich-shared-link-password") or query.get("password"),
        shared_link_tokens=tuple(t for t in tokens if t),
    )


class AuthService(BaseService):
    """Authenticates requests and manages passwords, sessions and PIN codes."""

    def authenticate(self, credentials: Credentials, route: RouteAuth) -> Auth:
        """Resolve the caller and apply the route's admin, shared-link and permission rules."""
        auth = self.validate(credentials)
        if route.admin and not auth.user.is_admin:
            raise Forbidden("Forbidden")
        if auth.shared_link is not None and not route.shared_link:
            raise Forbidden("Forbidden")
        permission, key = route.permission, auth.api_key
        if key is not None and permission is not None and not is_granted([permission], key.permissions):
            raise Forbidden(f"Missing required permission: {permission.value}")
        return auth

    def validate(self, credentials: Credentials) -> Auth:
        if credentials.shared_link_key:
            return self._validate_shared_link(credentials)
        if credentials.session_token:
            return self._validate_session(credentials.session_token)
        if credentials.api_key:
            return self._validate_api_key(credentials.api_key)
        raise Unauthorized("Authentication required")

    def _validate_shared_link(self, credentials: Credentials) -> Auth:
        """The link's owner, through the link; a link with a password also needs the password or its token."""
        key = decode_key(credentials.shared_link_key or "")
        found = self.repos.shared_links.get_by_key(key) if key else None
        if found is None or is_expired(found[0]):
            raise Unauthorized("Invalid share key")
        link, owner = found
        # Every route reachable with a key checks the password here, not only /shared-links/me (immich#29599).
        unlock = Unlock(credentials.shared_link_password, credentials.shared_link_tokens)
        if link.password and not unlocked(self.repos.shared_links.signing_secret(), link, unlock):
            raise Unauthorized("Invalid password")
        shared = AuthSharedLink(
            id=link.id,
            user_id=link.user_id,
            album_id=link.album_id,
            allow_upload=link.allow_upload,
            allow_download=link.allow_download,
            show_exif=link.show_exif,
        )
        return Auth(user=owner, shared_link=shared)

    def _validate_session(self, token: str) -> Auth:
        found = self.repos.sessions.get_by_token(hash_token(token))
        if found is None:
            raise Unauthorized("Invalid user token")
        session, user = found
        now = utcnow()
        changes = {}
        if now - session.updated_at > SESSION_TOUCH_INTERVAL:
            changes["updated_at"] = now
        pin = session.pin_expires_at
        if pin is not None and pin > now and now + PIN_EXTEND_DURATION > pin:
            changes["pin_expires_at"] = now + PIN_EXTEND_DURATION
        if changes:
            session = self.repos.sessions.update(session.id, changes)
        return Auth(user=user, session=session)

    def _validate_api_key(self, secret: str) -> Auth:
        found = self.repos.api_keys.get_by_key(hash_token(secret))
        if found is None:
            raise Unauthorized("Invalid API key")
        key, user = found
        return Auth(user=user, api_key=key)

    def login(self, dto: g.LoginCredentialDto, client: ClientInfo) -> g.LoginResponseDto:
        if not self.get_config()["passwordLogin"]["enabled"]:
            raise Unauthorized("Password login has been disabled")
        user = self.repos.users.get_by_email(dto.email)
        # check_password runs bcrypt even for an unknown email, so timing does not reveal which emails exist.
        if not check_password(dto.password, user.password if user else None) or user is None:
            log.warning("Failed login attempt for user %s from ip address %s", dto.email, client.client_ip)
            raise Unauthorized("Incorrect email or password")
        return self.create_login_response(user, client)

    def create_login_response(self, user: User, client: ClientInfo) -> g.LoginResponseDto:
        token = random_token()
        self.repos.sessions.create(
            {
                "token": hash_token(token),
                "user_id": user.id,
                "device_type": client.device_type,
                "device_os": client.device_os,
            }
        )
        return g.LoginResponseDto(
            access_token=token,
            user_id=str(user.id),
            user_email=user.email,
            name=user.name,
            profile_image_path=user.profile_image_path,
            is_admin=user.is_admin,
            should_change_password=user.should_change_password,
        )

    def logout(self, auth: Auth) -> g.LogoutResponseDto:
        if auth.session is not None:
            self.repos.sessions.delete(auth.session.id)
            self.emit("on_session_delete", str(auth.session.id), str(auth.session.id))
        return g.LogoutResponseDto(successful=True, redirect_uri=LOGOUT_REDIRECT)

    def admin_sign_up(self, dto: g.SignUpDto) -> g.UserAdminResponseDto:
        if self.repos.users.has_admin():
            raise BadRequest("The server already has an admin")
        if self.repos.users.get_by_email(dto.email, with_deleted=True):
            raise BadRequest("User exists")
        admin = self.repos.users.create(
            {
                "email": dto.email,
                "name": dto.name,
                "password": hash_password(dto.password),
                "is_admin": True,
                "storage_label": "admin",
            }
        )
        return map_user_admin(admin)

    def change_password(self, auth: Auth, dto: g.ChangePasswordDto) -> g.UserAdminResponseDto:
        user = self._current_user(auth)
        if not check_password(dto.password, user.password):
            raise BadRequest("Wrong password")
        updated = self.repos.users.update(user.id, {"password": hash_password(dto.new_password)})
        return map_user_admin(updated, self.repos.users.get_metadata(user.id, "license"))

    def setup_pin_code(self, auth: Auth, dto: r.PinCodeSetupDto) -> None:
        user = self._current_user(auth)
        if user.pin_code:
            raise BadRequest("User already has a PIN code")
        self.repos.users.update(user.id, {"pin_code": hash_password(dto.pin_code)})

    def change_pin_code(self, auth: Auth, dto: r.PinCodeChangeDto) -> None:
        user = self._current_user(auth)
        self._verify_pin_or_password(user, dto.pin_code, dto.password)
        self.repos.users.update(user.id, {"pin_code": hash_password(dto.new_pin_code)})

    def reset_pin_code(self, auth: Auth, dto: r.PinCodeResetDto) -> None:
        user = self._current_user(auth)
        self._verify_pin_or_password(user, dto.pin_code, dto.password)
        self.repos.users.update(user.id, {"pin_code": None})
        self.repos.sessions.lock_all(user.id)

    def unlock_session(self, auth: Auth, dto: r.SessionUnlockDto) -> None:
        session = self._require_session(auth)
        user = self._current_user(auth)
        self._verify_pin_or_password(user, dto.pin_code, dto.password)
        self.repos.sessions.update(session.id, {"pin_expires_at": utcnow() + PIN_UNLOCK_DURATION})

    def lock_session(self, auth: Auth) -> None:
        session = self._require_session(auth)
        self.repos.sessions.update(session.id, {"pin_expires_at": None})

    def get_status(self, auth: Auth) -> g.AuthStatusResponseDto:
        user = self._current_user(auth)
        session = self.repos.sessions.get(auth.session.id) if auth.session else None
        status = g.AuthStatusResponseDto(
            pin_code=bool(user.pin_code), password=bool(user.password), is_elevated=auth.has_elevated_permission
        )
        if session and session.expires_at:
            status.expires_at = to_iso(session.expires_at)
        if session and session.pin_expires_at:
            status.pin_expires_at = to_iso(session.pin_expires_at)
        return status

    def _current_user(self, auth: Auth) -> User:
        user = self.repos.users.get(auth.user.id)
        if user is None:
            raise Unauthorized()
        return user

    @staticmethod
    def _require_session(auth: Auth) -> Session:
        if auth.session is None:
            raise BadRequest("This endpoint can only be used with a session token")
        return auth.session

    @staticmethod
    def _verify_pin_or_password(user: User, pin_code: str | None, password: str | None) -> None:
        if not user.pin_code:
            raise BadRequest("User does not have a PIN code")
        if password:
            if not check_password(password, user.password):
                raise BadRequest("Wrong password")
        elif pin_code:
            if not check_password(pin_code, user.pin_code):
                raise BadRequest("Wrong PIN code")
        else:
            raise BadRequest("Either password or pinCode is required")

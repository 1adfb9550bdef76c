"""Albums: create, list, read, change, share and fill them (`album.service.ts`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import timedelta
from typing import Any
from uuid import UUID

from photonest.db.types import utcnow
from photonest.errors import BadRequest
from photonest.jobs.names import JobName, JobStatus, job_key
from photonest.mail.render import EmailTemplate, render_email
from photonest.mail.smtp import EmailSender, OutgoingEmail, SmtpEmailSender, SmtpTransport
from photonest.records import Album, Auth, User
from photonest.repositories import Repositories
from photonest.repositories.album import AlbumMember, AlbumMetadata
from photonest.repositories.stack import AssetWithExif
from photonest.schemas import generated as g
from photonest.schemas.asset import map_asset
from photonest.schemas.mappers import map_user
from photonest.services.access import check_access, require_access
from photonest.services.asset_set import add_assets, remove_assets
from photonest.services.base import BaseService, ServiceContext
from photonest.services.notification_admin import CONFIG_TEMPLATE_KEYS, DEFAULT_EXTERNAL_DOMAIN
from photonest.services.user import PreferencesMixin

P = g.Permission
# Upstream waits before mailing about new assets, so that a batch of additions becomes one email per recipient.
ALBUM_UPDATE_EMAIL_DELAY = timedelta(minutes=5)
_EMPTY = AlbumMetadata(0, None, None, None)


class AlbumService(BaseService):
    """The caller's albums and the albums shared with them."""

    def get_statistics(self, auth: Auth) -> g.AlbumStatisticsResponseDto:
        albums = self.repos.albums
        return g.AlbumStatisticsResponseDto(
            owned=albums.count_owned(auth.user_id),
            shared=albums.count_shared(auth.user_id),
            not_shared=albums.count_not_shared(auth.user_id),
        )

    def get_all(self, auth: Auth, asset_id: UUID | None, shared: bool | None) -> list[g.AlbumResponseDto]:
        """Albums holding the asset, else shared (true), not shared (false) or owned (absent) albums."""
        albums = self._list(auth.user_id, asset_id, shared)
        ids = [a.id for a in albums]
        # Upstream refreshes every album's thumbnail here; only the listed ones matter to this answer.
        if ids and self.repos.albums.update_thumbnails(ids):
            albums = self._list(auth.user_id, asset_id, shared)
        members = self.repos.albums.members(ids)
        linked = self.repos.albums.ids_with_shared_link(ids)
        metadata = self.repos.albums.metadata(ids)
        owner_ids = list({a.owner_id for a in albums})
        owners = {u.id: u for u in self.repos.users.list_all(with_deleted=True, ids=owner_ids)}
        return [self._map(a, owners[a.owner_id], members[a.id], a.id in linked, metadata.get(a.id)) for a in albums]

    def get(self, auth: Auth, album_id: UUID, without_assets: bool | None) -> g.AlbumResponseDto:
        require_access(self.repos, auth, P.ALBUM_READ, [album_id])
        self.repos.albums.update_thumbnails([album_id])
        album = self._find(album_id)
        assets = self.repos.albums.assets(album_id) if not without_assets else []
        stats = self.repos.albums.metadata([album_id]).get(album_id)
        return self._map_one(auth, album, assets, show_assets=True, stats=stats or _EMPTY)

    def create(self, auth: Auth, dto: g.CreateAlbumDto) -> g.AlbumResponseDto:
        roles = {u.user_id: u.role.value for u in dto.album_users or []}
        for user_id in roles:
            if self.repos.users.get(user_id) is None:
                raise BadRequest("User not found")
            if user_id == auth.user_id:
                raise BadRequest("Cannot share album with owner")
        # Assets the caller may not share are left out silently, as upstream does.
        wanted = list(dict.fromkeys(dto.asset_ids or []))
        allowed = check_access(self.repos, auth, P.ASSET_SHARE, wanted)
        asset_ids = [i for i in wanted if i in allowed]
        values: dict[str, Any] = {
            "owner_id": auth.user_id,
            "album_name": dto.album_name,
            "album_thumbnail_asset_id": asset_ids[0] if asset_ids else None,
        }
        if dto.description is not None:
            values["description"] = dto.description
        album = self.repos.albums.create(values)
        self.repos.albums.add_assets(album.id, asset_ids)
        self.repos.albums.add_members(album.id, roles)
        for user_id in roles:
            self._notify_invite(album.id, user_id)
        return self._map_one(auth, album, self.repos.albums.assets(album.id), show_assets=True)

    def update(self, auth: Auth, album_id: UUID, dto: g.UpdateAlbumDto) -> g.AlbumResponseDto:
        require_access(self.repos, auth, P.ALBUM_UPDATE, [album_id])
        self._find(album_id)
        thumbnail = dto.album_thumbnail_asset_id
        if thumbnail and not self.repos.albums.asset_ids_in(album_id, [thumbnail]):
            raise BadRequest("Invalid album thumbnail")
        changes = {
            "album_name": dto.album_name,
            "description": dto.description,
            "album_thumbnail_asset_id": thumbnail,
            "is_activity_enabled": dto.is_activity_enabled,
            "order": dto.order.value if dto.order else None,
        }
        values = {key: value for key, value in changes.items() if value is not None}
        album = self.repos.albums.update(album_id, {**values, "updated_at": utcnow()})
        return self._map_one(auth, album, self.repos.albums.assets(album_id), show_assets=False)

    def delete(self, auth: Auth, album_id: UUID) -> None:
        require_access(self.repos, auth, P.ALBUM_DELETE, [album_id])
        self.repos.albums.delete(album_id)

    def add_assets(self, auth: Auth, album_id: UUID, dto: g.BulkIdsDto) -> list[g.BulkIdResponseDto]:
        """Add the assets the caller may share; one result per requested id, in order."""
        album = self._find(album_id)
        require_access(self.repos, auth, P.ALBUM_ADD_ASSET, [album_id])
        results = add_assets(self.repos, auth, _AlbumAssets(self.repos), album_id, dto.ids)
        added = [UUID(r.id) for r in results if r.success]
        if added:
            thumbnail = album.album_thumbnail_asset_id or added[0]
            self.repos.albums.update(album_id, {"updated_at": utcnow(), "album_thumbnail_asset_id": thumbnail})
            self._notify_update(auth, album)
        return results

    def remove_assets(self, auth: Auth, album_id: UUID, dto: g.BulkIdsDto) -> list[g.BulkIdResponseDto]:
        """Remove assets from the album: the owner any of them, editors those they may share."""
        require_access(self.repos, auth, P.ALBUM_REMOVE_ASSET, [album_id])
        album = self._find(album_id)
        results = remove_assets(self.repos, auth, _AlbumAssets(self.repos), album_id, dto.ids, P.ALBUM_DELETE)
        removed = [UUID(r.id) for r in results if r.success]
        if removed:
            self.repos.albums.update(album_id, {"updated_at": utcnow()})
            if album.album_thumbnail_asset_id in removed:
                self.repos.albums.update_thumbnails([album_id])
        return results

    def add_users(self, auth: Auth, album_id: UUID, dto: g.AddUsersDto) -> g.AlbumResponseDto:
        require_access(self.repos, auth, P.ALBUM_SHARE, [album_id])
        album = self._find(album_id)
        members = {m.user.id for m in self.repos.albums.members([album_id])[album_id]}
        for album_user in dto.album_users:
            user_id = album_user.user_id
            if user_id == album.owner_id:
                raise BadRequest("Cannot be shared with owner")
            if user_id in members:
                raise BadRequest("User already added")
            if self.repos.users.get(user_id) is None:
                raise BadRequest("User not found")
            self.repos.albums.add_members(album_id, {user_id: str(album_user.role)})
            members.add(user_id)
            self._notify_invite(album_id, user_id)
        return self._map_one(auth, album, self.repos.albums.assets(album_id), show_assets=False)

    def remove_user(self, auth: Auth, album_id: UUID, user_id: UUID | str) -> None:
        """Remove a member: the owner removes anyone, a member removes themselves (`me`)."""
        member_id = auth.user_id if user_id == "me" else UUID(str(user_id))
        album = self._find(album_id)
        if album.owner_id == member_id:
            raise BadRequest("Cannot remove album owner")
        if all(m.user.id != member_id for m in self.repos.albums.members([album_id])[album_id]):
            raise BadRequest("Album not shared with user")
        if member_id != auth.user_id:
            require_access(self.repos, auth, P.ALBUM_SHARE, [album_id])
        self.repos.albums.remove_member(album_id, member_id)

    def update_user(self, auth: Auth, album_id: UUID, user_id: UUID | str, dto: g.UpdateAlbumUserDto) -> None:
        require_access(self.repos, auth, P.ALBUM_SHARE, [album_id])
        member_id = auth.user_id if user_id == "me" else UUID(str(user_id))
        if not self.repos.albums.set_member_role(album_id, member_id, dto.role.value):
            raise BadRequest("Album not shared with user")

    # --- helpers ---

    def _list(self, user_id: UUID, asset_id: UUID | None, shared: bool | None) -> list[Album]:
        albums = self.repos.albums
        if asset_id is not None:
            return albums.list_by_asset(user_id, asset_id)
        if shared is True:
            return albums.list_shared(user_id)
        if shared is False:
            return albums.list_not_shared(user_id)
        return albums.list_owned(user_id)

    def _find(self, album_id: UUID) -> Album:
        album = self.repos.albums.get(album_id)
        if album is None:
            raise BadRequest("Album not found")
        return album

    def _notify_invite(self, album_id: UUID, user_id: UUID) -> None:
        """Upstream's `album.invite` event: an invitation email for the new member."""
        self.queue_job(JobName.NOTIFY_ALBUM_INVITE, {"id": str(album_id), "recipientId": str(user_id)})

    def _notify_update(self, auth: Auth, album: Album) -> None:
        """Upstream's `album.update` event: a delayed email to everyone in the album but the caller."""
        members = [m.user.id for m in self.repos.albums.members([album.id])[album.id]]
        for recipient_id in dict.fromkeys([*members, album.owner_id]):
            if recipient_id == auth.user_id:
                continue
            data = {"id": str(album.id), "recipientId": str(recipient_id)}
            key = job_key(JobName.NOTIFY_ALBUM_UPDATE, data)
            self.queue_job(JobName.NOTIFY_ALBUM_UPDATE, data, job_key=key, delay=ALBUM_UPDATE_EMAIL_DELAY)

    def _map_one(
        self,
        auth: Auth,
        album: Album,
        assets: list[AssetWithExif],
        *,
        show_assets: bool,
        stats: AlbumMetadata | None = None,
    ) -> g.AlbumResponseDto:
        members = self.repos.albums.members([album.id])[album.id]
        has_link = bool(self.repos.albums.ids_with_shared_link([album.id]))
        listed = [self._map_asset(auth, a) for a in assets] if show_assets else []
        owner = self.repos.users.get(album.owner_id, with_deleted=True)
        assert owner is not None  # the album row cascades away with its owner
        return self._map(album, owner, members, has_link, stats or _stats_of(assets), listed)

    @staticmethod
    def _map(
        album: Album,
        owner: User,
        members: Sequence[AlbumMember],
        has_link: bool,
        stats: AlbumMetadata | None,
        assets: list[g.AssetResponseDto] | None = None,
    ) -> g.AlbumResponseDto:
        """Upstream's `mapAlbum`; the dates are left out when the album has no assets."""
        thumbnail = album.album_thumbnail_asset_id
        fields: dict[str, Any] = {
            "id": str(album.id),
            "owner_id": str(album.owner_id),
            "owner": map_user(owner),
            "album_name": album.album_name,
            "description": album.description,
            "album_thumbnail_asset_id": str(thumbnail) if thumbnail else None,
            "created_at": album.created_at,
            "updated_at": album.updated_at,
            "album_users": [
                g.AlbumUserResponseDto(user=map_user(m.user), role=g.AlbumUserRole(m.role)) for m in members
            ],
            "shared": bool(members) or has_link,
            "has_shared_link": has_link,
            "assets": assets or [],
            "asset_count": stats.asset_count if stats else 0,
            "is_activity_enabled": album.is_activity_enabled,
            "order": g.AssetOrder(album.order),
        }
        if stats is not None:
            optional = {
                "start_date": stats.start_date,
                "end_date": stats.end_date,
                "last_modified_asset_timestamp": stats.last_modified_asset_timestamp,
            }
            fields.update({key: value for key, value in optional.items() if value is not None})
        return g.AlbumResponseDto(**fields)

    @staticmethod
    def _map_asset(auth: Auth, item: AssetWithExif) -> g.AssetResponseDto:
        if auth.hides_metadata:
            return map_asset(item.asset, auth_user_id=auth.user_id, strip_metadata=True)
        return map_asset(item.asset, auth_user_id=auth.user_id, exif=item.exif)


def _stats_of(assets: Sequence[AssetWithExif]) -> AlbumMetadata | None:
    """Count and date range of loaded assets (upstream's `mapAlbum` reads them off the list it is given)."""
    if not assets:
        return None
    dates = [a.asset.file_created_at for a in assets]
    return AlbumMetadata(len(assets), min(dates), max(dates), None)


class _AlbumAssets:
    """The assets of albums, as an `AssetSet`."""

    def __init__(self, repos: Repositories) -> None:
        self.albums = repos.albums

    def contained(self, parent_id: UUID, asset_ids: Iterable[UUID]) -> set[UUID]:
        return self.albums.asset_ids_in(parent_id, asset_ids)

    def add(self, parent_id: UUID, asset_ids: list[UUID]) -> None:
        self.albums.add_assets(parent_id, asset_ids)

    def remove(self, parent_id: UUID, asset_ids: list[UUID]) -> None:
        self.albums.remove_assets(parent_id, asset_ids)


class AlbumEmailService(PreferencesMixin):
    """The emails about shared albums (upstream `notification.service.ts` handleAlbumInvite / handleAlbumUpdate)."""

    def __init__(self, ctx: ServiceContext, mailer: EmailSender | None = None) -> None:
        super().__init__(ctx)
        self.mailer: EmailSender = mailer or SmtpEmailSender()

    def send_invite(self, album_id: UUID, recipient_id: UUID) -> JobStatus:
        """Tell a new member they were added, unless they turned these emails off."""
        album = self.repos.albums.get(album_id)
        recipient = self.repos.users.get(recipient_id)
        if album is None or recipient is None:
            return JobStatus.SKIPPED
        emails = self.read_preferences(recipient.id).email_notifications
        if not emails.enabled or not emails.album_invite:
            return JobStatus.SKIPPED
        owner = self.repos.users.get(album.owner_id, with_deleted=True)
        data = {
            "albumId": str(album.id),
            "albumName": album.album_name,
            "senderName": owner.name if owner else "",
            "recipientName": recipient.name,
        }
        subject = f"You have been added to a shared album - {album.album_name}"
        return self._send(EmailTemplate.ALBUM_INVITE, data, recipient.email, subject)

    def send_update(self, album_id: UUID, recipient_id: UUID) -> JobStatus:
        """Tell a member that assets were added, unless they turned these emails off."""
        album = self.repos.albums.get(album_id)
        recipient = self.repos.users.get(recipient_id)
        if album is None or recipient is None or self.repos.users.get(album.owner_id) is None:
            return JobStatus.SKIPPED
        emails = self.read_preferences(recipient.id).email_notifications
        if not emails.enabled or not emails.album_update:
            return JobStatus.SKIPPED
        data = {"albumId": str(album.id), "albumName": album.album_name, "recipientName": recipient.name}
        subject = f"New media has been added to an album - {album.album_name}"
        return self._send(EmailTemplate.ALBUM_UPDATE, data, recipient.email, subject)

    def _send(self, template: EmailTemplate, data: dict[str, str], to: str, subject: str) -> JobStatus:
        """Render and send through the configured SMTP server; skipped while SMTP is off."""
        config = self.get_config()
        smtp = config["notifications"]["smtp"]
        if not smtp["enabled"]:
            return JobStatus.SKIPPED
        base_url = config["server"]["externalDomain"] or DEFAULT_EXTERNAL_DOMAIN
        custom = config["templates"]["email"].get(CONFIG_TEMPLATE_KEYS[template], "")
        rendered = render_email(template, {**data, "baseUrl": base_url}, custom_template=custom)
        transport = smtp["transport"]
        self.mailer.send(
            SmtpTransport(
                host=transport["host"],
                port=int(transport["port"]),
                username=transport["username"],
                password=transport["password"],
                ignore_cert=transport["ignoreCert"],
            ),
            OutgoingEmail(
                to=to,
                sender=smtp["from"],
                reply_to=smtp["replyTo"] or smtp["from"],
                subject=subject,
                html=rendered.html,
                text=rendered.text,
            ),
        )
        return JobStatus.SUCCESS

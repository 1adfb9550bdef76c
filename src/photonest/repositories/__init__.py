"""SQL only: one repository per table family, each method one query."""

from __future__ import annotations

from functools import cached_property

from photonest.db.unit_of_work import UnitOfWork
from photonest.repositories.access import AccessRepository
from photonest.repositories.activity import ActivityRepository
from photonest.repositories.album import AlbumRepository
from photonest.repositories.api_key import ApiKeyRepository
from photonest.repositories.asset import AssetRepository
from photonest.repositories.asset_job import AssetJobRepository
from photonest.repositories.download import DownloadRepository
from photonest.repositories.duplicate import DuplicateRepository
from photonest.repositories.event_relay import EventRelayRepository
from photonest.repositories.job import JobRepository
from photonest.repositories.library import LibraryRepository
from photonest.repositories.map import MapRepository
from photonest.repositories.memory import MemoryRepository
from photonest.repositories.move import MoveRepository
from photonest.repositories.notification import NotificationRepository
from photonest.repositories.partner import PartnerRepository
from photonest.repositories.person import PersonRepository
from photonest.repositories.search import SearchRepository
from photonest.repositories.session import SessionRepository
from photonest.repositories.shared_link import SharedLinkRepository
from photonest.repositories.smart_search import SmartSearchRepository
from photonest.repositories.stack import StackRepository
from photonest.repositories.system_metadata import SystemMetadataRepository
from photonest.repositories.tag import TagRepository
from photonest.repositories.timeline import TimelineRepository
from photonest.repositories.trash import TrashRepository
from photonest.repositories.user import UserRepository
from photonest.repositories.version_history import VersionHistoryRepository
from photonest.repositories.view import ViewRepository


class Repositories:
    """Every repository, bound to one unit of work."""

    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow

    @cached_property
    def users(self) -> UserRepository:
        return UserRepository(self.uow)

    @cached_property
    def sessions(self) -> SessionRepository:
        return SessionRepository(self.uow)

    @cached_property
    def api_keys(self) -> ApiKeyRepository:
        return ApiKeyRepository(self.uow)

    @cached_property
    def system_metadata(self) -> SystemMetadataRepository:
        return SystemMetadataRepository(self.uow)

    @cached_property
    def notifications(self) -> NotificationRepository:
        return NotificationRepository(self.uow)

    @cached_property
    def partners(self) -> PartnerRepository:
        return PartnerRepository(self.uow)

    @cached_property
    def version_history(self) -> VersionHistoryRepository:
        return VersionHistoryRepository(self.uow)

    @cached_property
    def assets(self) -> AssetRepository:
        return AssetRepository(self.uow)

    @cached_property
    def jobs(self) -> JobRepository:
        return JobRepository(self.uow)

    @cached_property
    def trash(self) -> TrashRepository:
        return TrashRepository(self.uow)

    @cached_property
    def timeline(self) -> TimelineRepository:
        return TimelineRepository(self.uow)

    @cached_property
    def stacks(self) -> StackRepository:
        return StackRepository(self.uow)

    @cached_property
    def view(self) -> ViewRepository:
        return ViewRepository(self.uow)

    @cached_property
    def downloads(self) -> DownloadRepository:
        return DownloadRepository(self.uow)

    @cached_property
    def tags(self) -> TagRepository:
        return TagRepository(self.uow)

    @cached_property
    def asset_jobs(self) -> AssetJobRepository:
        return AssetJobRepository(self.uow)

    @cached_property
    def access(self) -> AccessRepository:
        return AccessRepository(self.uow)

    @cached_property
    def albums(self) -> AlbumRepository:
        return AlbumRepository(self.uow)

    @cached_property
    def shared_links(self) -> SharedLinkRepository:
        return SharedLinkRepository(self.uow)

    @cached_property
    def activities(self) -> ActivityRepository:
        return ActivityRepository(self.uow)

    @cached_property
    def memories(self) -> MemoryRepository:
        return MemoryRepository(self.uow)

    @cached_property
    def map(self) -> MapRepository:
        return MapRepository(self.uow)

    @cached_property
    def search(self) -> SearchRepository:
        return SearchRepository(self.uow)

    @cached_property
    def smart_search(self) -> SmartSearchRepository:
        return SmartSearchRepository(self.uow)

    @cached_property
    def duplicates(self) -> DuplicateRepository:
        return DuplicateRepository(self.uow)

    @cached_property
    def people(self) -> PersonRepository:
        return PersonRepository(self.uow)

    @cached_property
    def libraries(self) -> LibraryRepository:
        return LibraryRepository(self.uow)

    @cached_property
    def moves(self) -> MoveRepository:
        return MoveRepository(self.uow)

    @cached_property
    def event_relay(self) -> EventRelayRepository:
        return EventRelayRepository(self.uow)

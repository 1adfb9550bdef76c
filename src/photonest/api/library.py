"""External library routes (`library.controller.ts`)."""

from __future__ import annotations

from uuid import UUID

from photonest.api.deps import authenticated, service
from photonest.api.router import ApiRouter
from photonest.records import Auth
from photonest.schemas import generated as g
from photonest.schemas import library as lib
from photonest.services.library import LibraryService

router = ApiRouter(prefix="/libraries", tags=["Libraries"])
P = g.Permission


@router.get("", operation_id="getAllLibraries", response_model=list[g.LibraryResponseDto])
def get_all_libraries(
    auth: Auth = authenticated(P.LIBRARY_READ, admin=True), svc: LibraryService = service(LibraryService)
) -> list[g.LibraryResponseDto]:
    return svc.get_all()


@router.post("", operation_id="createLibrary", status_code=201, response_model=g.LibraryResponseDto)
def create_library(
    dto: lib.CreateLibraryDto,
    auth: Auth = authenticated(P.LIBRARY_CREATE, admin=True),
    svc: LibraryService = service(LibraryService),
) -> g.LibraryResponseDto:
    return svc.create(dto)


@router.delete("/{id}", operation_id="deleteLibrary", status_code=204)
def delete_library(
    id: UUID, auth: Auth = authenticated(P.LIBRARY_DELETE, admin=True), svc: LibraryService = service(LibraryService)
) -> None:
    svc.delete(id)


@router.get("/{id}", operation_id="getLibrary", response_model=g.LibraryResponseDto)
def get_library(
    id: UUID, auth: Auth = authenticated(P.LIBRARY_READ, admin=True), svc: LibraryService = service(LibraryService)
) -> g.LibraryResponseDto:
    return svc.get(id)


@router.put("/{id}", operation_id="updateLibrary", response_model=g.LibraryResponseDto)
def update_library(
    id: UUID,
    dto: lib.UpdateLibraryDto,
    auth: Auth = authenticated(P.LIBRARY_UPDATE, admin=True),
    svc: LibraryService = service(LibraryService),
) -> g.LibraryResponseDto:
    return svc.update(id, dto)


@router.post("/{id}/scan", operation_id="scanLibrary", status_code=204)
def scan_library(
    id: UUID, auth: Auth = authenticated(P.LIBRARY_UPDATE, admin=True), svc: LibraryService = service(LibraryService)
) -> None:
    svc.queue_scan(id)


@router.get("/{id}/statistics", operation_id="getLibraryStatistics", response_model=g.LibraryStatsResponseDto)
def get_library_statistics(
    id: UUID,
    auth: Auth = authenticated(P.LIBRARY_STATISTICS, admin=True),
    svc: LibraryService = service(LibraryService),
) -> g.LibraryStatsResponseDto:
    return svc.get_statistics(id)


@router.post("/{id}/validate", operation_id="validate", response_model=g.ValidateLibraryResponseDto)
def validate(
    id: UUID,
    dto: lib.ValidateLibraryDto,
    auth: Auth = authenticated(admin=True),
    svc: LibraryService = service(LibraryService),
) -> g.ValidateLibraryResponseDto:
    return svc.validate(id, dto)

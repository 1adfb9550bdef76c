"""Memories routes (`memory.controller.ts`)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import Query

from photonest.api.deps import authenticated, service
from photonest.api.router import ApiRouter
from photonest.records import Auth
from photonest.schemas import generated as g
from photonest.schemas import memory as m
from photonest.services.memory import MemoryService

router = ApiRouter(prefix="/memories", tags=["Memories"])
P = g.Permission


@router.get("", operation_id="searchMemories", response_model=list[g.MemoryResponseDto])
def search_memories(
    dto: Annotated[m.MemorySearchDto, Query()],
    auth: Auth = authenticated(P.MEMORY_READ),
    svc: MemoryService = service(MemoryService),
) -> list[g.MemoryResponseDto]:
    return svc.search(auth, dto)


@router.post("", operation_id="createMemory", status_code=201, response_model=g.MemoryResponseDto)
def create_memory(
    dto: m.MemoryCreateDto, auth: Auth = authenticated(P.MEMORY_CREATE), svc: MemoryService = service(MemoryService)
) -> g.MemoryResponseDto:
    return svc.create(auth, dto)


@router.delete("/{id}", operation_id="deleteMemory", status_code=204)
def delete_memory(
    id: UUID, auth: Auth = authenticated(P.MEMORY_DELETE), svc: MemoryService = service(MemoryService)
) -> None:
    svc.remove(auth, id)


@router.get("/{id}", operation_id="getMemory", response_model=g.MemoryResponseDto)
def get_memory(
    id: UUID, auth: Auth = authenticated(P.MEMORY_READ), svc: MemoryService = service(MemoryService)
) -> g.MemoryResponseDto:
    return svc.get(auth, id)


@router.put("/{id}", operation_id="updateMemory", response_model=g.MemoryResponseDto)
def update_memory(
    id: UUID,
    dto: g.MemoryUpdateDto,
    auth: Auth = authenticated(P.MEMORY_UPDATE),
    svc: MemoryService = service(MemoryService),
) -> g.MemoryResponseDto:
    return svc.update(auth, id, dto)


@router.delete("/{id}/assets", operation_id="removeMemoryAssets", response_model=list[g.BulkIdResponseDto])
def remove_memory_assets(
    id: UUID, dto: g.BulkIdsDto, auth: Auth = authenticated(), svc: MemoryService = service(MemoryService)
) -> list[g.BulkIdResponseDto]:
    return svc.remove_assets(auth, id, dto)


@router.put("/{id}/assets", operation_id="addMemoryAssets", response_model=list[g.BulkIdResponseDto])
def add_memory_assets(
    id: UUID, dto: g.BulkIdsDto, auth: Auth = authenticated(), svc: MemoryService = service(MemoryService)
) -> list[g.BulkIdResponseDto]:
    return svc.add_assets(auth, id, dto)

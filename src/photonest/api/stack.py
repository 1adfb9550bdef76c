"""Stacks routes (`stack.controller.ts`)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import Query

from photonest.api.deps import authenticated, service
from photonest.api.router import ApiRouter
from photonest.records import Auth
from photonest.schemas import generated as g
from photonest.services.stack import StackService

router = ApiRouter(prefix="/stacks", tags=["Stacks"])
P = g.Permission


@router.delete("", operation_id="deleteStacks", status_code=204)
def delete_stacks(
    dto: g.BulkIdsDto, auth: Auth = authenticated(P.STACK_DELETE), svc: StackService = service(StackService)
) -> None:
    svc.delete_all(auth, dto)


@router.get("", operation_id="searchStacks", response_model=list[g.StackResponseDto])
def search_stacks(
    primary_asset_id: Annotated[UUID | None, Query(alias="primaryAssetId")] = None,
    auth: Auth = authenticated(P.STACK_READ),
    svc: StackService = service(StackService),
) -> list[g.StackResponseDto]:
    return svc.search(auth, primary_asset_id)


@router.post("", operation_id="createStack", status_code=201, response_model=g.StackResponseDto)
def create_stack(
    dto: g.StackCreateDto, auth: Auth = authenticated(P.STACK_CREATE), svc: StackService = service(StackService)
) -> g.StackResponseDto:
    return svc.create(auth, dto)


@router.delete("/{id}", operation_id="deleteStack", status_code=204)
def delete_stack(
    id: UUID, auth: Auth = authenticated(P.STACK_DELETE), svc: StackService = service(StackService)
) -> None:
    svc.delete(auth, id)


@router.get("/{id}", operation_id="getStack", response_model=g.StackResponseDto)
def get_stack(
    id: UUID, auth: Auth = authenticated(P.STACK_READ), svc: StackService = service(StackService)
) -> g.StackResponseDto:
    return svc.get(auth, id)


@router.put("/{id}", operation_id="updateStack", response_model=g.StackResponseDto)
def update_stack(
    id: UUID,
    dto: g.StackUpdateDto,
    auth: Auth = authenticated(P.STACK_UPDATE),
    svc: StackService = service(StackService),
) -> g.StackResponseDto:
    return svc.update(auth, id, dto)

"""Request-scoped dependencies: unit of work, services, and the caller's authentication."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyCookie, APIKeyHeader, HTTPBearer

from photonest.container import Container
from photonest.db.unit_of_work import UnitOfWork
from photonest.records import Auth
from photonest.schemas.generated import Permission
from photonest.services.auth import AuthService, RouteAuth, credentials_from
from photonest.services.base import BaseService, ServiceContext

S = TypeVar("S", bound=BaseService)

# Declared so that the OpenAPI document lists the spec's three security schemes; credentials are read below.
_BEARER = HTTPBearer(auto_error=False, scheme_name="bearer")
_COOKIE = APIKeyCookie(name="immich_access_token", auto_error=False, scheme_name="cookie")
_API_KEY = APIKeyHeader(name="x-api-key", auto_error=False, scheme_name="api_key")


def get_container(request: Request) -> Container:
    container: Container = request.app.state.container
    return container


def _unit_of_work(request: Request) -> Iterator[UnitOfWork]:
    uow = get_container(request).unit_of_work()
    try:
        yield uow
        uow.commit()
    except BaseException:
        uow.rollback()
        raise
    finally:
        uow.close()


# "function" scope commits before the response is sent, so a failed commit still becomes an error answer.
UnitOfWorkDep = Depends(_unit_of_work, scope="function")


def _context(request: Request, uow: UnitOfWork = UnitOfWorkDep) -> ServiceContext:
    return get_container(request).context(uow)


def service(cls: type[S]) -> Any:
    """A dependency building the service for this request."""

    def build(ctx: ServiceContext = Depends(_context)) -> S:
        return cls(ctx)

    return Depends(build)


def authenticated(permission: Permission | None = None, *, admin: bool = False, shared_link: bool = False) -> Any:
    """The caller, authenticated per upstream's `@Authenticated({permission, admin, sharedLink})`."""
    route = RouteAuth(permission=permission, admin=admin, shared_link=shared_link)

    def resolve(
        request: Request,
        _bearer: Any = Security(_BEARER),
        _cookie: Any = Security(_COOKIE),
        _api_key: Any = Security(_API_KEY),
    ) -> Auth:
        credentials = credentials_from(request.headers, request.query_params, request.cookies)
        container = get_container(request)
        # Apart from the request's transaction, which on SQLite holds the write lock and must not be taken before
        # a streamed upload body has been read. Autocommit: each lookup is one statement (a session or key with its
        # user), and the session touch is a lone idempotent update, so no snapshot or write lock is needed.
        with UnitOfWork(container.engine, autocommit=True) as uow:
            auth = AuthService(container.context(uow)).authenticate(credentials, route)
        request.state.auth = auth
        return auth

    resolve.__name__ = "auth"
    dependency: Callable[..., Auth] = resolve
    return Depends(dependency)

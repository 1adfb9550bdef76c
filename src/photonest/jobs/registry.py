"""Job handlers by job name: `@job_handler(JobName.X)` registers a function the workers call for each such job."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterator
from typing import Any

from photonest.jobs.names import JobName, JobStatus
from photonest.services.base import ServiceContext

JobHandler = Callable[[ServiceContext, dict[str, Any]], JobStatus]


class JobRegistry:
    """One handler per job name; jobs whose name has no handler fail with "No handler for <name>"."""

    def __init__(self) -> None:
        self._handlers: dict[str, JobHandler] = {}

    def register(self, name: JobName, handler: JobHandler) -> None:
        existing = self._handlers.get(name.value)
        if existing is not None and existing is not handler:
            raise ValueError(f"Job {name.value} is already handled by {existing.__module__}.{existing.__qualname__}")
        self._handlers[name.value] = handler

    def get(self, name: str) -> JobHandler | None:
        return self._handlers.get(name)

    def __contains__(self, name: object) -> bool:
        return name in self._handlers

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._handlers))

    def handler(self, name: JobName) -> Callable[[JobHandler], JobHandler]:
        """Decorator form of `register`."""

        def decorate(function: JobHandler) -> JobHandler:
            self.register(name, function)
            return function

        return decorate


# The handlers modules register into this one at import time (see `load_handlers`).
registry = JobRegistry()


def job_handler(name: JobName) -> Callable[[JobHandler], JobHandler]:
    """Register the decorated function as the handler of `name`: `(ctx, data) -> JobStatus`."""
    return registry.handler(name)


def load_handlers() -> JobRegistry:
    """Import every module of `photonest.jobs.handlers` so that their handlers are registered; return the registry."""
    from photonest.jobs import handlers

    for module in pkgutil.iter_modules(handlers.__path__, f"{handlers.__name__}."):
        importlib.import_module(module.name)
    return registry

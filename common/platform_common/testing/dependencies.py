"""Which of an app's route dependencies would run in FastAPI's thread pool."""

from __future__ import annotations

import inspect
from collections.abc import Iterator

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts


def _runs_on_the_loop(call: object) -> bool:
    if inspect.isclass(call):
        return False  # a class as a dependency is instantiated in the pool
    plain = inspect.isfunction(call) or inspect.ismethod(call)
    function = call if plain else getattr(call, "__call__", None)  # noqa: B004
    return inspect.iscoroutinefunction(function) or inspect.isasyncgenfunction(function)


def _walk(dependant: Dependant) -> Iterator[Dependant]:
    for each in dependant.dependencies:
        yield each
        yield from _walk(each)


def sync_dependencies(app: FastAPI) -> list[str]:
    """`route: dependency` for each plain-`def` dependency (FastAPI runs those
    in a thread pool: a hop per request, bench/README.md)."""
    found = []
    for context in iter_route_contexts(app.router.routes):
        route = context.original_route
        if not isinstance(route, APIRoute):
            continue
        for dependant in _walk(route.dependant):
            if dependant.call is not None and not _runs_on_the_loop(dependant.call):
                name = getattr(dependant.call, "__qualname__", repr(dependant.call))
                found.append(f"{context.path}: {name}")
    return sorted(set(found))

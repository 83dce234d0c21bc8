"""A FastAPI route answered without FastAPI's generic dependency solving, where its shape allows.

FastAPI solves every request's parameters the general way: per request and
per parameter it works out again the parameter's alias, whether its
annotation is a sequence or a model, and which of four places it comes
from (eight passes for a route with one sub-dependency), makes a cache key
per sub-dependency and a `Response` for dependencies to set headers on.
On `GET /notes/{id}`, the most requested route, skipping that machinery
took ~27% of notes-service's CPU per read at the server (bench/README.md,
"Round 10: notes-service per read").

`LeanRoute` works that out once, when the route is built, for routes of a
simple shape: path, query, header and cookie parameters that are plain
values (no sequences, models or JSON), no body, and dependencies that take
only the request (the token checks of platform_common.scopes). Each request
then runs the dependencies in order, and validates each parameter with
FastAPI's own validation of the same field at the same location, so the
answers (a 422's body, a 401 before a 422) are FastAPI's. The endpoint must
return a `Response`. A route of another shape, and any request while the
app has dependency overrides (tests), goes FastAPI's general way.

`@lean_get(router, path, ...)` declares one with `@router.get`'s options
(the decorator has no route class of its own to take); the OpenAPI document
is FastAPI's own, from the same dependant. Built on FastAPI's internals
(the version is pinned in constraints.txt): tests/test_lean_route.py checks
that the route is lean and answers as the general way does.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from dataclasses import dataclass
from typing import Any, cast

from fastapi import APIRouter, params
from fastapi._compat import ModelField, Undefined, field_annotation_is_sequence
from fastapi.dependencies.models import Dependant
from fastapi.dependencies.utils import (
    _get_param_aliases,
    _get_param_model,
    _is_json_field,
    _validate_value_with_model_field,
)
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute, _effective_route_context_var, _extract_endpoint_context
from fastapi.types import DecoratedCallable
from starlette.requests import Request
from starlette.responses import Response

Handler = Callable[[Request], Coroutine[Any, Any, Response]]


@dataclass(frozen=True, slots=True)
class _Parameter:
    field: ModelField
    name: str
    source: str  # "path", "query", "header", "cookie"
    alias: str
    loc: tuple[str, str]


def _parameters(dependant: Dependant) -> list[_Parameter] | None:
    """The dependant's own parameters in FastAPI's order (path, query, header,
    cookie), or None when one is of a shape solved only the general way."""
    found = []
    for source, fields in (
        ("path", dependant.path_params),
        ("query", dependant.query_params),
        ("header", dependant.header_params),
        ("cookie", dependant.cookie_params),
    ):
        for field in fields:
            if not isinstance(field.field_info, params.Param):
                return None
            if _get_param_model(field) is not None or _is_json_field(field):
                return None
            if field_annotation_is_sequence(field.field_info.annotation):
                return None
            aliases = _get_param_aliases(field)
            if len(aliases) != 1:
                return None
            alias = aliases[0][1]
            found.append(_Parameter(field, field.name, source, alias, (source, alias)))
    return found


def _takes_only_the_request(dependant: Dependant) -> bool:
    call = dependant.call
    return (
        call is not None
        and dependant.concurrency is None
        and not (
            dependant.path_params
            or dependant.query_params
            or dependant.header_params
            or dependant.cookie_params
            or dependant.body_params
            or dependant.dependencies
            or dependant.websocket_param_name
            or dependant.http_connection_param_name
            or dependant.response_param_name
            or dependant.background_tasks_param_name
            or dependant.security_scopes_param_name
        )
        and (
            inspect.iscoroutinefunction(call)
            or inspect.iscoroutinefunction(getattr(call, "__call__", None))  # noqa: B004
        )
    )


def _lean_shape(dependant: Dependant) -> list[_Parameter] | None:
    if dependant.call is None or not inspect.iscoroutinefunction(dependant.call):
        return None
    if (
        dependant.body_params
        or dependant.websocket_param_name
        or dependant.http_connection_param_name
        or dependant.response_param_name
        or dependant.background_tasks_param_name
        or dependant.security_scopes_param_name
    ):
        return None
    calls = [sub.call for sub in dependant.dependencies]
    if len(set(map(id, calls))) != len(calls):
        return None  # the same dependency twice: FastAPI's cache would solve it once
    if not all(_takes_only_the_request(sub) for sub in dependant.dependencies):
        return None
    return _parameters(dependant)


def _values(request: Request, source: str) -> Mapping[str, Any]:
    if source == "path":
        return cast(Mapping[str, Any], request.path_params)
    if source == "query":
        return request.query_params
    if source == "header":
        return request.headers
    return request.cookies


def lean_handler(dependant: Dependant, generic: Handler, overrides: Any | None) -> Handler | None:
    """The handler of a route of the simple shape, else None."""
    parameters = _lean_shape(dependant)
    if parameters is None:
        return None
    endpoint = cast(Callable[..., Awaitable[Any]], dependant.call)
    dependencies = [
        (sub.name, sub.request_param_name, cast(Callable[..., Awaitable[Any]], sub.call))
        for sub in dependant.dependencies
    ]
    request_name = dependant.request_param_name
    sources = sorted({p.source for p in parameters})

    async def handle(request: Request) -> Response:
        if overrides is not None and getattr(overrides, "dependency_overrides", None):
            return await generic(request)
        values: dict[str, Any] = {}
        for name, request_param, call in dependencies:
            solved = await (call(**{request_param: request}) if request_param else call())
            if name is not None:
                values[name] = solved
        errors: list[Any] = []
        received = {source: _values(request, source) for source in sources}
        for parameter in parameters:
            value = received[parameter.source].get(parameter.alias)
            value, field_errors = _validate_value_with_model_field(
                field=parameter.field,
                value=Undefined if value is None else value,
                values=values,
                loc=parameter.loc,
            )
            if field_errors:
                errors.extend(field_errors)
            else:
                values[parameter.name] = value
        if errors:
            context = _extract_endpoint_context(endpoint)
            mount_path = request.scope.get("root_path", "").rstrip("/")
            context = {**context, "path": f"{request.method} {mount_path}{dependant.path}"}
            raise RequestValidationError(errors, body=None, endpoint_ctx=context)
        if request_name is not None:
            values[request_name] = request
        response = await endpoint(**values)
        if not isinstance(response, Response):
            raise TypeError(f"{endpoint.__name__} answers with a Response on a LeanRoute")
        return response

    return handle


class LeanRoute(APIRoute):
    """An APIRoute whose requests skip FastAPI's generic solving where its shape allows."""

    def get_route_handler(self) -> Handler:
        generic = super().get_route_handler()
        # An included route is built once per inclusion, with the including
        # routers' dependencies and the app's overrides (FastAPI's own hook).
        route: Any = self
        context = _effective_route_context_var.get()
        if context is not None and context.original_route is self:
            route = context
        lean = lean_handler(route.dependant, generic, route.dependency_overrides_provider)
        return generic if lean is None else lean


def lean_get(
    router: APIRouter, path: str, **options: Any
) -> Callable[[DecoratedCallable], DecoratedCallable]:
    """`@router.get(path, **options)` with the route a LeanRoute."""

    def decorator(endpoint: DecoratedCallable) -> DecoratedCallable:
        router.add_api_route(
            path, endpoint, methods=["GET"], route_class_override=LeanRoute, **options
        )
        return endpoint

    return decorator

"""What every generated operation module (`notes_platform._generated.api`) shares.

A module (clients/python/templates/endpoint_module.py.jinja) declares which
parser reads which status and a typed `_request` that builds the request; its
public `sync_detailed`, `sync`, `asyncio_detailed` and `asyncio` are made here
from that `_request`, with its parameters, so sending, parsing and the
`Response` wrapper are written once.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Collection, Coroutine, Mapping, Sequence
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, Generic, ParamSpec, TypeVar

import httpx

from notes_platform._generated.client import AuthenticatedClient, Client
from notes_platform._generated.errors import UnexpectedStatus
from notes_platform._generated.types import UNSET, Response, Unset

T = TypeVar("T")
R = TypeVar("R")
P = ParamSpec("P")
Parser = Callable[[httpx.Response], T]
Async = Coroutine[Any, Any, T]


def json(build: Callable[[Any], T]) -> Parser[T]:
    """A JSON body, read by `build` (a model's `from_dict`, say)."""
    return lambda response: build(response.json())


def json_list(build: Callable[[Any], T]) -> Parser[list[T]]:
    """A JSON array, each item read by `build`."""
    return lambda response: [build(item) for item in response.json()]


def any_json(response: httpx.Response) -> Any:
    """A JSON body the document gives no model for."""
    return response.json()


def text(response: httpx.Response) -> str:
    return response.text


def content(response: httpx.Response) -> bytes:
    return response.content


def nothing(response: httpx.Response) -> None:
    """A documented answer without a body worth reading."""
    return None


@dataclass(frozen=True)
class Request:
    """What an operation's `_request` built: the client to send it with and
    httpx's `request()` arguments."""

    client: AuthenticatedClient | Client
    arguments: dict[str, Any]


def request(
    client: AuthenticatedClient | Client,
    method: str,
    url: str,
    *,
    params: Mapping[str, Any] | None = None,
    headers: Mapping[str, Any] | None = None,
    **body: Any,
) -> Request:
    """httpx's `request()` arguments: query parameters that are unset or None and
    headers that are unset are left out; `body` is `json=`, `data=`, `files=`..."""
    arguments: dict[str, Any] = {"method": method, "url": url}
    if params is not None:
        arguments["params"] = {
            name: value
            for name, value in params.items()
            if value is not UNSET and value is not None
        }
    if headers is not None:
        arguments["headers"] = {
            name: value for name, value in headers.items() if not isinstance(value, Unset)
        }
    return Request(client, {**arguments, **body})


def _public(
    build: Callable[P, Any], name: str, doc: str, function: Callable[P, R]
) -> Callable[P, R]:
    """`function` under its public name, with `build`'s parameters for help()."""
    function.__name__ = function.__qualname__ = name
    function.__module__ = build.__module__
    function.__doc__ = doc
    signature = inspect.signature(build).replace(return_annotation=inspect.Signature.empty)
    function.__signature__ = signature  # type: ignore[attr-defined]
    return function


@dataclass(frozen=True)
class Operation(Generic[T]):
    """One operation's documented answers: the parser of each group of statuses,
    first match wins, and a `default` for the rest."""

    answers: Sequence[tuple[Collection[int], Parser[T]]]
    default: Parser[T] | None = None

    def parse(self, client: AuthenticatedClient | Client, response: httpx.Response) -> T | None:
        parser = next(
            (parser for codes, parser in self.answers if response.status_code in codes),
            self.default,
        )
        if parser is not None:
            return parser(response)
        if client.raise_on_unexpected_status:
            raise UnexpectedStatus(response.status_code, response.content)
        return None

    def answer(self, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[T]:
        return Response(
            status_code=HTTPStatus(response.status_code),
            content=response.content,
            headers=response.headers,
            parsed=self.parse(client, response),
        )

    def functions(
        self, build: Callable[P, Request]
    ) -> tuple[
        Callable[P, Response[T]],
        Callable[P, T | None],
        Callable[P, Async[Response[T]]],
        Callable[P, Async[T | None]],
    ]:
        """The module's sync_detailed, sync, asyncio_detailed and asyncio."""
        return (
            self.sync_detailed(build),
            self.sync(build),
            self.asyncio_detailed(build),
            self.asyncio(build),
        )

    def sync_detailed(self, build: Callable[P, Request]) -> Callable[P, Response[T]]:
        def send(*args: P.args, **kwargs: P.kwargs) -> Response[T]:
            request = build(*args, **kwargs)
            sent = request.client.get_httpx_client().request(**request.arguments)
            return self.answer(request.client, sent)

        return _public(build, "sync_detailed", "The answer, its body parsed by status.", send)

    def sync(self, build: Callable[P, Request]) -> Callable[P, T | None]:
        detailed = self.sync_detailed(build)

        def send(*args: P.args, **kwargs: P.kwargs) -> T | None:
            return detailed(*args, **kwargs).parsed

        return _public(build, "sync", "The parsed body; None for an undocumented status.", send)

    def asyncio_detailed(self, build: Callable[P, Request]) -> Callable[P, Async[Response[T]]]:
        async def send(*args: P.args, **kwargs: P.kwargs) -> Response[T]:
            request = build(*args, **kwargs)
            sent = await request.client.get_async_httpx_client().request(**request.arguments)
            return self.answer(request.client, sent)

        return _public(build, "asyncio_detailed", "The answer, its body parsed by status.", send)

    def asyncio(self, build: Callable[P, Request]) -> Callable[P, Async[T | None]]:
        detailed = self.asyncio_detailed(build)

        async def send(*args: P.args, **kwargs: P.kwargs) -> T | None:
            return (await detailed(*args, **kwargs)).parsed

        return _public(build, "asyncio", "The parsed body; None for an undocumented status.", send)

from http import HTTPStatus
from typing import Any, cast

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_detail import ErrorDetail
from ...models.note_read import NoteRead
from ...models.note_write import NoteWrite
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    body: NoteWrite,
    idempotency_key: None | str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(idempotency_key, Unset):
        headers["Idempotency-Key"] = idempotency_key

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/notes",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Any | ErrorDetail | NoteRead | None:
    if response.status_code == 201:
        response_201 = NoteRead.from_dict(response.json())

        return response_201

    if response.status_code == 400:
        response_400 = ErrorDetail.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = ErrorDetail.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = ErrorDetail.from_dict(response.json())

        return response_403

    if response.status_code == 409:
        response_409 = ErrorDetail.from_dict(response.json())

        return response_409

    if response.status_code == 415:
        response_415 = ErrorDetail.from_dict(response.json())

        return response_415

    if response.status_code == 422:
        response_422 = cast(Any, None)
        return response_422

    if response.status_code == 429:
        response_429 = ErrorDetail.from_dict(response.json())

        return response_429

    if response.status_code == 503:
        response_503 = ErrorDetail.from_dict(response.json())

        return response_503

    if response.status_code == 504:
        response_504 = ErrorDetail.from_dict(response.json())

        return response_504

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[Any | ErrorDetail | NoteRead]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body: NoteWrite,
    idempotency_key: None | str | Unset = UNSET,
) -> Response[Any | ErrorDetail | NoteRead]:
    """Create Note

    Args:
        idempotency_key (None | str | Unset): Makes a retried POST safe: the same key with the
            same body within NOTES_IDEMPOTENCY_TTL_SECONDS (24 h) replays the first answer
            (`Idempotent-Replayed: true`) instead of creating another note. Keys are per user.
        body (NoteWrite): Body of POST and PUT (PUT replaces the whole note). Unknown fields are
            ignored.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | ErrorDetail | NoteRead]
    """

    kwargs = _get_kwargs(
        body=body,
        idempotency_key=idempotency_key,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    body: NoteWrite,
    idempotency_key: None | str | Unset = UNSET,
) -> Any | ErrorDetail | NoteRead | None:
    """Create Note

    Args:
        idempotency_key (None | str | Unset): Makes a retried POST safe: the same key with the
            same body within NOTES_IDEMPOTENCY_TTL_SECONDS (24 h) replays the first answer
            (`Idempotent-Replayed: true`) instead of creating another note. Keys are per user.
        body (NoteWrite): Body of POST and PUT (PUT replaces the whole note). Unknown fields are
            ignored.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | ErrorDetail | NoteRead
    """

    return sync_detailed(
        client=client,
        body=body,
        idempotency_key=idempotency_key,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: NoteWrite,
    idempotency_key: None | str | Unset = UNSET,
) -> Response[Any | ErrorDetail | NoteRead]:
    """Create Note

    Args:
        idempotency_key (None | str | Unset): Makes a retried POST safe: the same key with the
            same body within NOTES_IDEMPOTENCY_TTL_SECONDS (24 h) replays the first answer
            (`Idempotent-Replayed: true`) instead of creating another note. Keys are per user.
        body (NoteWrite): Body of POST and PUT (PUT replaces the whole note). Unknown fields are
            ignored.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | ErrorDetail | NoteRead]
    """

    kwargs = _get_kwargs(
        body=body,
        idempotency_key=idempotency_key,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    body: NoteWrite,
    idempotency_key: None | str | Unset = UNSET,
) -> Any | ErrorDetail | NoteRead | None:
    """Create Note

    Args:
        idempotency_key (None | str | Unset): Makes a retried POST safe: the same key with the
            same body within NOTES_IDEMPOTENCY_TTL_SECONDS (24 h) replays the first answer
            (`Idempotent-Replayed: true`) instead of creating another note. Keys are per user.
        body (NoteWrite): Body of POST and PUT (PUT replaces the whole note). Unknown fields are
            ignored.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | ErrorDetail | NoteRead
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
            idempotency_key=idempotency_key,
        )
    ).parsed

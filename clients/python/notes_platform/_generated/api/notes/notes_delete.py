from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_detail import ErrorDetail
from ...models.http_validation_error import HTTPValidationError
from ...models.note_read import NoteRead
from ...types import UNSET, Response, Unset


def _get_kwargs(
    note_id: int,
    *,
    if_match: None | str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(if_match, Unset):
        headers["If-Match"] = if_match

    _kwargs: dict[str, Any] = {
        "method": "delete",
        "url": "/notes/{note_id}".format(
            note_id=quote(str(note_id), safe=""),
        ),
    }

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorDetail | HTTPValidationError | NoteRead | None:
    if response.status_code == 200:
        response_200 = NoteRead.from_dict(response.json())

        return response_200

    if response.status_code == 401:
        response_401 = ErrorDetail.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = ErrorDetail.from_dict(response.json())

        return response_403

    if response.status_code == 404:
        response_404 = ErrorDetail.from_dict(response.json())

        return response_404

    if response.status_code == 412:
        response_412 = ErrorDetail.from_dict(response.json())

        return response_412

    if response.status_code == 422:
        response_422 = HTTPValidationError.from_dict(response.json())

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
) -> Response[ErrorDetail | HTTPValidationError | NoteRead]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    note_id: int,
    *,
    client: AuthenticatedClient,
    if_match: None | str | Unset = UNSET,
) -> Response[ErrorDetail | HTTPValidationError | NoteRead]:
    """Delete Note

    Args:
        note_id (int):
        if_match (None | str | Unset): Write only if the note's current ETag is one of these (or
            `*`: any existing note); otherwise 412 and nothing changes. Without it the write is
            unconditional.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorDetail | HTTPValidationError | NoteRead]
    """

    kwargs = _get_kwargs(
        note_id=note_id,
        if_match=if_match,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    note_id: int,
    *,
    client: AuthenticatedClient,
    if_match: None | str | Unset = UNSET,
) -> ErrorDetail | HTTPValidationError | NoteRead | None:
    """Delete Note

    Args:
        note_id (int):
        if_match (None | str | Unset): Write only if the note's current ETag is one of these (or
            `*`: any existing note); otherwise 412 and nothing changes. Without it the write is
            unconditional.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorDetail | HTTPValidationError | NoteRead
    """

    return sync_detailed(
        note_id=note_id,
        client=client,
        if_match=if_match,
    ).parsed


async def asyncio_detailed(
    note_id: int,
    *,
    client: AuthenticatedClient,
    if_match: None | str | Unset = UNSET,
) -> Response[ErrorDetail | HTTPValidationError | NoteRead]:
    """Delete Note

    Args:
        note_id (int):
        if_match (None | str | Unset): Write only if the note's current ETag is one of these (or
            `*`: any existing note); otherwise 412 and nothing changes. Without it the write is
            unconditional.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorDetail | HTTPValidationError | NoteRead]
    """

    kwargs = _get_kwargs(
        note_id=note_id,
        if_match=if_match,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    note_id: int,
    *,
    client: AuthenticatedClient,
    if_match: None | str | Unset = UNSET,
) -> ErrorDetail | HTTPValidationError | NoteRead | None:
    """Delete Note

    Args:
        note_id (int):
        if_match (None | str | Unset): Write only if the note's current ETag is one of these (or
            `*`: any existing note); otherwise 412 and nothing changes. Without it the write is
            unconditional.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorDetail | HTTPValidationError | NoteRead
    """

    return (
        await asyncio_detailed(
            note_id=note_id,
            client=client,
            if_match=if_match,
        )
    ).parsed

from http import HTTPStatus
from typing import Any, cast

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_detail import ErrorDetail
from ...models.note_read import NoteRead
from ...models.notes_list_response_429 import NotesListResponse429
from ...models.notes_list_response_504 import NotesListResponse504
from ...models.notes_list_sort_type_0 import NotesListSortType0
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    offset: int | Unset = 0,
    limit: int | Unset = 50,
    cursor: None | str | Unset = UNSET,
    q: None | str | Unset = UNSET,
    sort: None | NotesListSortType0 | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["offset"] = offset

    params["limit"] = limit

    json_cursor: None | str | Unset
    if isinstance(cursor, Unset):
        json_cursor = UNSET
    else:
        json_cursor = cursor
    params["cursor"] = json_cursor

    json_q: None | str | Unset
    if isinstance(q, Unset):
        json_q = UNSET
    else:
        json_q = q
    params["q"] = json_q

    json_sort: None | str | Unset
    if isinstance(sort, Unset):
        json_sort = UNSET
    elif isinstance(sort, NotesListSortType0):
        json_sort = sort.value
    else:
        json_sort = sort
    params["sort"] = json_sort

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/notes",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> (
    Any
    | ErrorDetail
    | NotesListResponse429
    | NotesListResponse504
    | list[NoteRead]
    | None
):
    if response.status_code == 200:
        response_200 = []
        _response_200 = response.json()
        for response_200_item_data in _response_200:
            response_200_item = NoteRead.from_dict(response_200_item_data)

            response_200.append(response_200_item)

        return response_200

    if response.status_code == 401:
        response_401 = ErrorDetail.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = ErrorDetail.from_dict(response.json())

        return response_403

    if response.status_code == 422:
        response_422 = cast(Any, None)
        return response_422

    if response.status_code == 429:
        response_429 = NotesListResponse429.from_dict(response.json())

        return response_429

    if response.status_code == 503:
        response_503 = ErrorDetail.from_dict(response.json())

        return response_503

    if response.status_code == 504:
        response_504 = NotesListResponse504.from_dict(response.json())

        return response_504

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[
    Any | ErrorDetail | NotesListResponse429 | NotesListResponse504 | list[NoteRead]
]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    offset: int | Unset = 0,
    limit: int | Unset = 50,
    cursor: None | str | Unset = UNSET,
    q: None | str | Unset = UNSET,
    sort: None | NotesListSortType0 | Unset = UNSET,
) -> Response[
    Any | ErrorDetail | NotesListResponse429 | NotesListResponse504 | list[NoteRead]
]:
    """List Notes

    Args:
        offset (int | Unset):  Default: 0.
        limit (int | Unset):  Default: 50.
        cursor (None | str | Unset): Where to continue: taken from a `Link` header, opaque. Not
            with `offset`.
        q (None | str | Unset): Full-text search over title and description (web search syntax:
            words, "a phrase", or, -word). Best match first unless `sort` is given.
        sort (None | NotesListSortType0 | Unset): Order by this field, `-` for descending; ties by
            id.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | ErrorDetail | NotesListResponse429 | NotesListResponse504 | list[NoteRead]]
    """

    kwargs = _get_kwargs(
        offset=offset,
        limit=limit,
        cursor=cursor,
        q=q,
        sort=sort,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    offset: int | Unset = 0,
    limit: int | Unset = 50,
    cursor: None | str | Unset = UNSET,
    q: None | str | Unset = UNSET,
    sort: None | NotesListSortType0 | Unset = UNSET,
) -> (
    Any
    | ErrorDetail
    | NotesListResponse429
    | NotesListResponse504
    | list[NoteRead]
    | None
):
    """List Notes

    Args:
        offset (int | Unset):  Default: 0.
        limit (int | Unset):  Default: 50.
        cursor (None | str | Unset): Where to continue: taken from a `Link` header, opaque. Not
            with `offset`.
        q (None | str | Unset): Full-text search over title and description (web search syntax:
            words, "a phrase", or, -word). Best match first unless `sort` is given.
        sort (None | NotesListSortType0 | Unset): Order by this field, `-` for descending; ties by
            id.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | ErrorDetail | NotesListResponse429 | NotesListResponse504 | list[NoteRead]
    """

    return sync_detailed(
        client=client,
        offset=offset,
        limit=limit,
        cursor=cursor,
        q=q,
        sort=sort,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    offset: int | Unset = 0,
    limit: int | Unset = 50,
    cursor: None | str | Unset = UNSET,
    q: None | str | Unset = UNSET,
    sort: None | NotesListSortType0 | Unset = UNSET,
) -> Response[
    Any | ErrorDetail | NotesListResponse429 | NotesListResponse504 | list[NoteRead]
]:
    """List Notes

    Args:
        offset (int | Unset):  Default: 0.
        limit (int | Unset):  Default: 50.
        cursor (None | str | Unset): Where to continue: taken from a `Link` header, opaque. Not
            with `offset`.
        q (None | str | Unset): Full-text search over title and description (web search syntax:
            words, "a phrase", or, -word). Best match first unless `sort` is given.
        sort (None | NotesListSortType0 | Unset): Order by this field, `-` for descending; ties by
            id.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | ErrorDetail | NotesListResponse429 | NotesListResponse504 | list[NoteRead]]
    """

    kwargs = _get_kwargs(
        offset=offset,
        limit=limit,
        cursor=cursor,
        q=q,
        sort=sort,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    offset: int | Unset = 0,
    limit: int | Unset = 50,
    cursor: None | str | Unset = UNSET,
    q: None | str | Unset = UNSET,
    sort: None | NotesListSortType0 | Unset = UNSET,
) -> (
    Any
    | ErrorDetail
    | NotesListResponse429
    | NotesListResponse504
    | list[NoteRead]
    | None
):
    """List Notes

    Args:
        offset (int | Unset):  Default: 0.
        limit (int | Unset):  Default: 50.
        cursor (None | str | Unset): Where to continue: taken from a `Link` header, opaque. Not
            with `offset`.
        q (None | str | Unset): Full-text search over title and description (web search syntax:
            words, "a phrase", or, -word). Best match first unless `sort` is given.
        sort (None | NotesListSortType0 | Unset): Order by this field, `-` for descending; ties by
            id.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | ErrorDetail | NotesListResponse429 | NotesListResponse504 | list[NoteRead]
    """

    return (
        await asyncio_detailed(
            client=client,
            offset=offset,
            limit=limit,
            cursor=cursor,
            q=q,
            sort=sort,
        )
    ).parsed

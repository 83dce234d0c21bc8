from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_detail import ErrorDetail
from ...models.me_read_response_429 import MeReadResponse429
from ...models.me_read_response_503 import MeReadResponse503
from ...models.me_read_response_504 import MeReadResponse504
from ...models.user_read import UserRead
from ...types import Response


def _get_kwargs() -> dict[str, Any]:

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/auth/me",
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> (
    ErrorDetail
    | MeReadResponse429
    | MeReadResponse503
    | MeReadResponse504
    | UserRead
    | None
):
    if response.status_code == 200:
        response_200 = UserRead.from_dict(response.json())

        return response_200

    if response.status_code == 401:
        response_401 = ErrorDetail.from_dict(response.json())

        return response_401

    if response.status_code == 429:
        response_429 = MeReadResponse429.from_dict(response.json())

        return response_429

    if response.status_code == 503:
        response_503 = MeReadResponse503.from_dict(response.json())

        return response_503

    if response.status_code == 504:
        response_504 = MeReadResponse504.from_dict(response.json())

        return response_504

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[
    ErrorDetail | MeReadResponse429 | MeReadResponse503 | MeReadResponse504 | UserRead
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
) -> Response[
    ErrorDetail | MeReadResponse429 | MeReadResponse503 | MeReadResponse504 | UserRead
]:
    """Read Me

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorDetail | MeReadResponse429 | MeReadResponse503 | MeReadResponse504 | UserRead]
    """

    kwargs = _get_kwargs()

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
) -> (
    ErrorDetail
    | MeReadResponse429
    | MeReadResponse503
    | MeReadResponse504
    | UserRead
    | None
):
    """Read Me

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorDetail | MeReadResponse429 | MeReadResponse503 | MeReadResponse504 | UserRead
    """

    return sync_detailed(
        client=client,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
) -> Response[
    ErrorDetail | MeReadResponse429 | MeReadResponse503 | MeReadResponse504 | UserRead
]:
    """Read Me

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorDetail | MeReadResponse429 | MeReadResponse503 | MeReadResponse504 | UserRead]
    """

    kwargs = _get_kwargs()

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
) -> (
    ErrorDetail
    | MeReadResponse429
    | MeReadResponse503
    | MeReadResponse504
    | UserRead
    | None
):
    """Read Me

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorDetail | MeReadResponse429 | MeReadResponse503 | MeReadResponse504 | UserRead
    """

    return (
        await asyncio_detailed(
            client=client,
        )
    ).parsed

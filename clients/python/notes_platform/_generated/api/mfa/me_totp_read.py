from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_detail import ErrorDetail
from ...models.me_totp_read_response_429 import MeTotpReadResponse429
from ...models.me_totp_read_response_503 import MeTotpReadResponse503
from ...models.me_totp_read_response_504 import MeTotpReadResponse504
from ...models.totp_status import TotpStatus
from ...types import Response


def _get_kwargs() -> dict[str, Any]:

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/auth/me/mfa/totp",
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> (
    ErrorDetail
    | MeTotpReadResponse429
    | MeTotpReadResponse503
    | MeTotpReadResponse504
    | TotpStatus
    | None
):
    if response.status_code == 200:
        response_200 = TotpStatus.from_dict(response.json())

        return response_200

    if response.status_code == 401:
        response_401 = ErrorDetail.from_dict(response.json())

        return response_401

    if response.status_code == 429:
        response_429 = MeTotpReadResponse429.from_dict(response.json())

        return response_429

    if response.status_code == 503:
        response_503 = MeTotpReadResponse503.from_dict(response.json())

        return response_503

    if response.status_code == 504:
        response_504 = MeTotpReadResponse504.from_dict(response.json())

        return response_504

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[
    ErrorDetail
    | MeTotpReadResponse429
    | MeTotpReadResponse503
    | MeTotpReadResponse504
    | TotpStatus
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
    ErrorDetail
    | MeTotpReadResponse429
    | MeTotpReadResponse503
    | MeTotpReadResponse504
    | TotpStatus
]:
    """Totp Status

     Whether TOTP is on (or an enrolment pending), and the unused recovery codes.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorDetail | MeTotpReadResponse429 | MeTotpReadResponse503 | MeTotpReadResponse504 | TotpStatus]
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
    | MeTotpReadResponse429
    | MeTotpReadResponse503
    | MeTotpReadResponse504
    | TotpStatus
    | None
):
    """Totp Status

     Whether TOTP is on (or an enrolment pending), and the unused recovery codes.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorDetail | MeTotpReadResponse429 | MeTotpReadResponse503 | MeTotpReadResponse504 | TotpStatus
    """

    return sync_detailed(
        client=client,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
) -> Response[
    ErrorDetail
    | MeTotpReadResponse429
    | MeTotpReadResponse503
    | MeTotpReadResponse504
    | TotpStatus
]:
    """Totp Status

     Whether TOTP is on (or an enrolment pending), and the unused recovery codes.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorDetail | MeTotpReadResponse429 | MeTotpReadResponse503 | MeTotpReadResponse504 | TotpStatus]
    """

    kwargs = _get_kwargs()

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
) -> (
    ErrorDetail
    | MeTotpReadResponse429
    | MeTotpReadResponse503
    | MeTotpReadResponse504
    | TotpStatus
    | None
):
    """Totp Status

     Whether TOTP is on (or an enrolment pending), and the unused recovery codes.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorDetail | MeTotpReadResponse429 | MeTotpReadResponse503 | MeTotpReadResponse504 | TotpStatus
    """

    return (
        await asyncio_detailed(
            client=client,
        )
    ).parsed

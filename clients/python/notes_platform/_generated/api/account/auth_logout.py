from http import HTTPStatus
from typing import Any, cast

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_detail import ErrorDetail
from ...models.http_validation_error import HTTPValidationError
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    everywhere: bool | Unset = False,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["everywhere"] = everywhere

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/auth/logout",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Any | ErrorDetail | HTTPValidationError | None:
    if response.status_code == 204:
        response_204 = cast(Any, None)
        return response_204

    if response.status_code == 401:
        response_401 = ErrorDetail.from_dict(response.json())

        return response_401

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
) -> Response[Any | ErrorDetail | HTTPValidationError]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    everywhere: bool | Unset = False,
) -> Response[Any | ErrorDetail | HTTPValidationError]:
    """Logout

     End this session; with `everywhere=true`, every session of the account.
    The access tokens of what ends are refused within the revocation bound. The
    browser's sign-in session of the authorization pages ends too.

    Args:
        everywhere (bool | Unset):  Default: False.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | ErrorDetail | HTTPValidationError]
    """

    kwargs = _get_kwargs(
        everywhere=everywhere,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    everywhere: bool | Unset = False,
) -> Any | ErrorDetail | HTTPValidationError | None:
    """Logout

     End this session; with `everywhere=true`, every session of the account.
    The access tokens of what ends are refused within the revocation bound. The
    browser's sign-in session of the authorization pages ends too.

    Args:
        everywhere (bool | Unset):  Default: False.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | ErrorDetail | HTTPValidationError
    """

    return sync_detailed(
        client=client,
        everywhere=everywhere,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    everywhere: bool | Unset = False,
) -> Response[Any | ErrorDetail | HTTPValidationError]:
    """Logout

     End this session; with `everywhere=true`, every session of the account.
    The access tokens of what ends are refused within the revocation bound. The
    browser's sign-in session of the authorization pages ends too.

    Args:
        everywhere (bool | Unset):  Default: False.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | ErrorDetail | HTTPValidationError]
    """

    kwargs = _get_kwargs(
        everywhere=everywhere,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    everywhere: bool | Unset = False,
) -> Any | ErrorDetail | HTTPValidationError | None:
    """Logout

     End this session; with `everywhere=true`, every session of the account.
    The access tokens of what ends are refused within the revocation bound. The
    browser's sign-in session of the authorization pages ends too.

    Args:
        everywhere (bool | Unset):  Default: False.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | ErrorDetail | HTTPValidationError
    """

    return (
        await asyncio_detailed(
            client=client,
            everywhere=everywhere,
        )
    ).parsed

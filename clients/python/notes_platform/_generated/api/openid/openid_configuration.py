from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_detail import ErrorDetail
from ...models.response_openid_configuration import ResponseOpenidConfiguration
from ...types import Response


def _get_kwargs() -> dict[str, Any]:

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/auth/.well-known/openid-configuration",
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorDetail | ResponseOpenidConfiguration | None:
    if response.status_code == 200:
        response_200 = ResponseOpenidConfiguration.from_dict(response.json())

        return response_200

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
) -> Response[ErrorDetail | ResponseOpenidConfiguration]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
) -> Response[ErrorDetail | ResponseOpenidConfiguration]:
    """Openid Configuration

     OpenID Provider metadata for the issuer `<public URL>/auth`, where
    Discovery §4 puts it (the issuer, then /.well-known/openid-configuration):
    the RFC 8414 document with the OpenID fields added.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorDetail | ResponseOpenidConfiguration]
    """

    kwargs = _get_kwargs()

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
) -> ErrorDetail | ResponseOpenidConfiguration | None:
    """Openid Configuration

     OpenID Provider metadata for the issuer `<public URL>/auth`, where
    Discovery §4 puts it (the issuer, then /.well-known/openid-configuration):
    the RFC 8414 document with the OpenID fields added.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorDetail | ResponseOpenidConfiguration
    """

    return sync_detailed(
        client=client,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
) -> Response[ErrorDetail | ResponseOpenidConfiguration]:
    """Openid Configuration

     OpenID Provider metadata for the issuer `<public URL>/auth`, where
    Discovery §4 puts it (the issuer, then /.well-known/openid-configuration):
    the RFC 8414 document with the OpenID fields added.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorDetail | ResponseOpenidConfiguration]
    """

    kwargs = _get_kwargs()

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
) -> ErrorDetail | ResponseOpenidConfiguration | None:
    """Openid Configuration

     OpenID Provider metadata for the issuer `<public URL>/auth`, where
    Discovery §4 puts it (the issuer, then /.well-known/openid-configuration):
    the RFC 8414 document with the OpenID fields added.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorDetail | ResponseOpenidConfiguration
    """

    return (
        await asyncio_detailed(
            client=client,
        )
    ).parsed

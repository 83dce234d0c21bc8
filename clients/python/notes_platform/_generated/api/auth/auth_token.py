from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_detail import ErrorDetail
from ...models.http_validation_error import HTTPValidationError
from ...models.o_auth_error_body import OAuthErrorBody
from ...models.token_form import TokenForm
from ...models.token_response import TokenResponse
from ...types import Response


def _get_kwargs(
    *,
    body: TokenForm,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/auth/token",
    }

    _kwargs["data"] = body.to_dict()
    headers["Content-Type"] = "application/x-www-form-urlencoded"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorDetail | HTTPValidationError | OAuthErrorBody | TokenResponse | None:
    if response.status_code == 200:
        response_200 = TokenResponse.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = OAuthErrorBody.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = OAuthErrorBody.from_dict(response.json())

        return response_401

    if response.status_code == 422:
        response_422 = HTTPValidationError.from_dict(response.json())

        return response_422

    if response.status_code == 429:
        response_429 = OAuthErrorBody.from_dict(response.json())

        return response_429

    if response.status_code == 503:
        response_503 = OAuthErrorBody.from_dict(response.json())

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
) -> Response[ErrorDetail | HTTPValidationError | OAuthErrorBody | TokenResponse]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: TokenForm,
) -> Response[ErrorDetail | HTTPValidationError | OAuthErrorBody | TokenResponse]:
    """Token

     OAuth 2.0 token endpoint: `password`, `refresh_token`, `client_credentials` grants.

    Args:
        body (TokenForm): The form of `POST /auth/token` (RFC 6749 §4.3, §4.4, §6, §2.3.1).

            Every field is optional here: which ones a grant needs is checked by
            the grant's handler (auth_service.oauth.grants), so a missing one is an OAuth
            `invalid_request` rather than FastAPI's 422. An empty value counts as
            absent (FastAPI's rule for form fields).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorDetail | HTTPValidationError | OAuthErrorBody | TokenResponse]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    body: TokenForm,
) -> ErrorDetail | HTTPValidationError | OAuthErrorBody | TokenResponse | None:
    """Token

     OAuth 2.0 token endpoint: `password`, `refresh_token`, `client_credentials` grants.

    Args:
        body (TokenForm): The form of `POST /auth/token` (RFC 6749 §4.3, §4.4, §6, §2.3.1).

            Every field is optional here: which ones a grant needs is checked by
            the grant's handler (auth_service.oauth.grants), so a missing one is an OAuth
            `invalid_request` rather than FastAPI's 422. An empty value counts as
            absent (FastAPI's rule for form fields).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorDetail | HTTPValidationError | OAuthErrorBody | TokenResponse
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: TokenForm,
) -> Response[ErrorDetail | HTTPValidationError | OAuthErrorBody | TokenResponse]:
    """Token

     OAuth 2.0 token endpoint: `password`, `refresh_token`, `client_credentials` grants.

    Args:
        body (TokenForm): The form of `POST /auth/token` (RFC 6749 §4.3, §4.4, §6, §2.3.1).

            Every field is optional here: which ones a grant needs is checked by
            the grant's handler (auth_service.oauth.grants), so a missing one is an OAuth
            `invalid_request` rather than FastAPI's 422. An empty value counts as
            absent (FastAPI's rule for form fields).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorDetail | HTTPValidationError | OAuthErrorBody | TokenResponse]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    body: TokenForm,
) -> ErrorDetail | HTTPValidationError | OAuthErrorBody | TokenResponse | None:
    """Token

     OAuth 2.0 token endpoint: `password`, `refresh_token`, `client_credentials` grants.

    Args:
        body (TokenForm): The form of `POST /auth/token` (RFC 6749 §4.3, §4.4, §6, §2.3.1).

            Every field is optional here: which ones a grant needs is checked by
            the grant's handler (auth_service.oauth.grants), so a missing one is an OAuth
            `invalid_request` rather than FastAPI's 422. An empty value counts as
            absent (FastAPI's rule for form fields).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorDetail | HTTPValidationError | OAuthErrorBody | TokenResponse
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed

from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_detail import ErrorDetail
from ...models.http_validation_error import HTTPValidationError
from ...models.introspect_form import IntrospectForm
from ...models.introspection_response import IntrospectionResponse
from ...models.o_auth_error_body import OAuthErrorBody
from ...types import Response


def _get_kwargs(
    *,
    body: IntrospectForm,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/auth/introspect",
    }

    _kwargs["data"] = body.to_dict()
    headers["Content-Type"] = "application/x-www-form-urlencoded"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorDetail | HTTPValidationError | IntrospectionResponse | OAuthErrorBody | None:
    if response.status_code == 200:
        response_200 = IntrospectionResponse.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = OAuthErrorBody.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = OAuthErrorBody.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = OAuthErrorBody.from_dict(response.json())

        return response_403

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
) -> Response[
    ErrorDetail | HTTPValidationError | IntrospectionResponse | OAuthErrorBody
]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: IntrospectForm,
) -> Response[
    ErrorDetail | HTTPValidationError | IntrospectionResponse | OAuthErrorBody
]:
    """Introspect

     Token introspection (RFC 7662) for confidential clients
    with scope `introspect`, with client_secret_basic or client_secret_post.
    Tokens for audiences outside the client's `introspection_audiences` are
    inactive to it; `username` needs scope `introspect:username`.

    Args:
        body (IntrospectForm): The form of `POST /auth/introspect` (RFC 7662 §2.1), with the
            client's
            credentials when it uses client_secret_post.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorDetail | HTTPValidationError | IntrospectionResponse | OAuthErrorBody]
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
    body: IntrospectForm,
) -> ErrorDetail | HTTPValidationError | IntrospectionResponse | OAuthErrorBody | None:
    """Introspect

     Token introspection (RFC 7662) for confidential clients
    with scope `introspect`, with client_secret_basic or client_secret_post.
    Tokens for audiences outside the client's `introspection_audiences` are
    inactive to it; `username` needs scope `introspect:username`.

    Args:
        body (IntrospectForm): The form of `POST /auth/introspect` (RFC 7662 §2.1), with the
            client's
            credentials when it uses client_secret_post.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorDetail | HTTPValidationError | IntrospectionResponse | OAuthErrorBody
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: IntrospectForm,
) -> Response[
    ErrorDetail | HTTPValidationError | IntrospectionResponse | OAuthErrorBody
]:
    """Introspect

     Token introspection (RFC 7662) for confidential clients
    with scope `introspect`, with client_secret_basic or client_secret_post.
    Tokens for audiences outside the client's `introspection_audiences` are
    inactive to it; `username` needs scope `introspect:username`.

    Args:
        body (IntrospectForm): The form of `POST /auth/introspect` (RFC 7662 §2.1), with the
            client's
            credentials when it uses client_secret_post.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorDetail | HTTPValidationError | IntrospectionResponse | OAuthErrorBody]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    body: IntrospectForm,
) -> ErrorDetail | HTTPValidationError | IntrospectionResponse | OAuthErrorBody | None:
    """Introspect

     Token introspection (RFC 7662) for confidential clients
    with scope `introspect`, with client_secret_basic or client_secret_post.
    Tokens for audiences outside the client's `introspection_audiences` are
    inactive to it; `username` needs scope `introspect:username`.

    Args:
        body (IntrospectForm): The form of `POST /auth/introspect` (RFC 7662 §2.1), with the
            client's
            credentials when it uses client_secret_post.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorDetail | HTTPValidationError | IntrospectionResponse | OAuthErrorBody
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed

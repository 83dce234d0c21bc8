from http import HTTPStatus
from typing import Any, cast

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_detail import ErrorDetail
from ...models.http_validation_error import HTTPValidationError
from ...models.o_auth_error_body import OAuthErrorBody
from ...models.revoke_form import RevokeForm
from ...types import Response


def _get_kwargs(
    *,
    body: RevokeForm,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/auth/revoke",
    }

    _kwargs["data"] = body.to_dict()
    headers["Content-Type"] = "application/x-www-form-urlencoded"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Any | ErrorDetail | HTTPValidationError | OAuthErrorBody | None:
    if response.status_code == 200:
        response_200 = cast(Any, None)
        return response_200

    if response.status_code == 400:
        response_400 = OAuthErrorBody.from_dict(response.json())

        return response_400

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
) -> Response[Any | ErrorDetail | HTTPValidationError | OAuthErrorBody]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: RevokeForm,
) -> Response[Any | ErrorDetail | HTTPValidationError | OAuthErrorBody]:
    """Revoke

     RFC 7009 token revocation; 200 whether or not the token was known.

    Args:
        body (RevokeForm): The form of `POST /auth/revoke` (RFC 7009 §2.1).

            `token` is required (a missing one is invalid_request); an empty one names
            no token, so nothing is revoked and the answer is 200, as for any token the
            server does not know (§2.2). FastAPI reads an empty form value as absent,
            hence the optional field here and the route's own check of the form's keys.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | ErrorDetail | HTTPValidationError | OAuthErrorBody]
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
    body: RevokeForm,
) -> Any | ErrorDetail | HTTPValidationError | OAuthErrorBody | None:
    """Revoke

     RFC 7009 token revocation; 200 whether or not the token was known.

    Args:
        body (RevokeForm): The form of `POST /auth/revoke` (RFC 7009 §2.1).

            `token` is required (a missing one is invalid_request); an empty one names
            no token, so nothing is revoked and the answer is 200, as for any token the
            server does not know (§2.2). FastAPI reads an empty form value as absent,
            hence the optional field here and the route's own check of the form's keys.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | ErrorDetail | HTTPValidationError | OAuthErrorBody
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: RevokeForm,
) -> Response[Any | ErrorDetail | HTTPValidationError | OAuthErrorBody]:
    """Revoke

     RFC 7009 token revocation; 200 whether or not the token was known.

    Args:
        body (RevokeForm): The form of `POST /auth/revoke` (RFC 7009 §2.1).

            `token` is required (a missing one is invalid_request); an empty one names
            no token, so nothing is revoked and the answer is 200, as for any token the
            server does not know (§2.2). FastAPI reads an empty form value as absent,
            hence the optional field here and the route's own check of the form's keys.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | ErrorDetail | HTTPValidationError | OAuthErrorBody]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    body: RevokeForm,
) -> Any | ErrorDetail | HTTPValidationError | OAuthErrorBody | None:
    """Revoke

     RFC 7009 token revocation; 200 whether or not the token was known.

    Args:
        body (RevokeForm): The form of `POST /auth/revoke` (RFC 7009 §2.1).

            `token` is required (a missing one is invalid_request); an empty one names
            no token, so nothing is revoked and the answer is 200, as for any token the
            server does not know (§2.2). FastAPI reads an empty form value as absent,
            hence the optional field here and the route's own check of the form's keys.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | ErrorDetail | HTTPValidationError | OAuthErrorBody
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed

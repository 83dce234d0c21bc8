from http import HTTPStatus
from typing import Any, cast

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.auth_authorize_step_body import AuthAuthorizeStepBody
from ...models.error_detail import ErrorDetail
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    body: AuthAuthorizeStepBody | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/auth/authorize",
    }

    if not isinstance(body, Unset):
        _kwargs["data"] = body.to_dict()
    headers["Content-Type"] = "application/x-www-form-urlencoded"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Any | ErrorDetail | str | None:
    if response.status_code == 200:
        response_200 = response.text
        return response_200

    if response.status_code == 303:
        response_303 = cast(Any, None)
        return response_303

    if response.status_code == 400:
        response_400 = response.text
        return response_400

    if response.status_code == 403:
        response_403 = response.text
        return response_403

    if response.status_code == 429:
        response_429 = response.text
        return response_429

    if response.status_code == 503:
        response_503 = response.text
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
) -> Response[Any | ErrorDetail | str]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: AuthAuthorizeStepBody | Unset = UNSET,
) -> Response[Any | ErrorDetail | str]:
    """Authorize Step

     A step of the pages (their forms post here): `step` = `signin` (with
    `email` and `password`), `otp` (with the `mfa_token` the sign-in gave and
    `otp`, a TOTP or recovery code, for an account with TOTP on), `allow` or
    `deny`, the page's `csrf_token`, and the authorization request's parameters.

    Args:
        body (AuthAuthorizeStepBody | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | ErrorDetail | str]
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
    body: AuthAuthorizeStepBody | Unset = UNSET,
) -> Any | ErrorDetail | str | None:
    """Authorize Step

     A step of the pages (their forms post here): `step` = `signin` (with
    `email` and `password`), `otp` (with the `mfa_token` the sign-in gave and
    `otp`, a TOTP or recovery code, for an account with TOTP on), `allow` or
    `deny`, the page's `csrf_token`, and the authorization request's parameters.

    Args:
        body (AuthAuthorizeStepBody | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | ErrorDetail | str
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: AuthAuthorizeStepBody | Unset = UNSET,
) -> Response[Any | ErrorDetail | str]:
    """Authorize Step

     A step of the pages (their forms post here): `step` = `signin` (with
    `email` and `password`), `otp` (with the `mfa_token` the sign-in gave and
    `otp`, a TOTP or recovery code, for an account with TOTP on), `allow` or
    `deny`, the page's `csrf_token`, and the authorization request's parameters.

    Args:
        body (AuthAuthorizeStepBody | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | ErrorDetail | str]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    body: AuthAuthorizeStepBody | Unset = UNSET,
) -> Any | ErrorDetail | str | None:
    """Authorize Step

     A step of the pages (their forms post here): `step` = `signin` (with
    `email` and `password`), `otp` (with the `mfa_token` the sign-in gave and
    `otp`, a TOTP or recovery code, for an account with TOTP on), `allow` or
    `deny`, the page's `csrf_token`, and the authorization request's parameters.

    Args:
        body (AuthAuthorizeStepBody | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | ErrorDetail | str
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed

from http import HTTPStatus
from typing import Any, cast

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.auth_verify_email_response_429 import AuthVerifyEmailResponse429
from ...models.auth_verify_email_response_503 import AuthVerifyEmailResponse503
from ...models.auth_verify_email_response_504 import AuthVerifyEmailResponse504
from ...models.email_verification import EmailVerification
from ...models.error_detail import ErrorDetail
from ...models.http_validation_error import HTTPValidationError
from ...types import Response


def _get_kwargs(
    *,
    body: EmailVerification,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/auth/verify",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> (
    Any
    | AuthVerifyEmailResponse429
    | AuthVerifyEmailResponse503
    | AuthVerifyEmailResponse504
    | ErrorDetail
    | HTTPValidationError
    | None
):
    if response.status_code == 204:
        response_204 = cast(Any, None)
        return response_204

    if response.status_code == 400:
        response_400 = ErrorDetail.from_dict(response.json())

        return response_400

    if response.status_code == 409:
        response_409 = ErrorDetail.from_dict(response.json())

        return response_409

    if response.status_code == 415:
        response_415 = ErrorDetail.from_dict(response.json())

        return response_415

    if response.status_code == 422:
        response_422 = HTTPValidationError.from_dict(response.json())

        return response_422

    if response.status_code == 429:
        response_429 = AuthVerifyEmailResponse429.from_dict(response.json())

        return response_429

    if response.status_code == 503:
        response_503 = AuthVerifyEmailResponse503.from_dict(response.json())

        return response_503

    if response.status_code == 504:
        response_504 = AuthVerifyEmailResponse504.from_dict(response.json())

        return response_504

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[
    Any
    | AuthVerifyEmailResponse429
    | AuthVerifyEmailResponse503
    | AuthVerifyEmailResponse504
    | ErrorDetail
    | HTTPValidationError
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
    body: EmailVerification,
) -> Response[
    Any
    | AuthVerifyEmailResponse429
    | AuthVerifyEmailResponse503
    | AuthVerifyEmailResponse504
    | ErrorDetail
    | HTTPValidationError
]:
    """Verify Email

     Prove an address with the emailed token: the account's (it becomes
    verified) or a requested new one (it replaces the old; sessions end).

    Args:
        body (EmailVerification):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | AuthVerifyEmailResponse429 | AuthVerifyEmailResponse503 | AuthVerifyEmailResponse504 | ErrorDetail | HTTPValidationError]
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
    body: EmailVerification,
) -> (
    Any
    | AuthVerifyEmailResponse429
    | AuthVerifyEmailResponse503
    | AuthVerifyEmailResponse504
    | ErrorDetail
    | HTTPValidationError
    | None
):
    """Verify Email

     Prove an address with the emailed token: the account's (it becomes
    verified) or a requested new one (it replaces the old; sessions end).

    Args:
        body (EmailVerification):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | AuthVerifyEmailResponse429 | AuthVerifyEmailResponse503 | AuthVerifyEmailResponse504 | ErrorDetail | HTTPValidationError
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: EmailVerification,
) -> Response[
    Any
    | AuthVerifyEmailResponse429
    | AuthVerifyEmailResponse503
    | AuthVerifyEmailResponse504
    | ErrorDetail
    | HTTPValidationError
]:
    """Verify Email

     Prove an address with the emailed token: the account's (it becomes
    verified) or a requested new one (it replaces the old; sessions end).

    Args:
        body (EmailVerification):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | AuthVerifyEmailResponse429 | AuthVerifyEmailResponse503 | AuthVerifyEmailResponse504 | ErrorDetail | HTTPValidationError]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    body: EmailVerification,
) -> (
    Any
    | AuthVerifyEmailResponse429
    | AuthVerifyEmailResponse503
    | AuthVerifyEmailResponse504
    | ErrorDetail
    | HTTPValidationError
    | None
):
    """Verify Email

     Prove an address with the emailed token: the account's (it becomes
    verified) or a requested new one (it replaces the old; sessions end).

    Args:
        body (EmailVerification):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | AuthVerifyEmailResponse429 | AuthVerifyEmailResponse503 | AuthVerifyEmailResponse504 | ErrorDetail | HTTPValidationError
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed

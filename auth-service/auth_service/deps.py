import base64
import binascii
import uuid
from typing import Annotated
from urllib.parse import unquote_plus

from fastapi import Depends, Form, Request
from sqlalchemy.ext.asyncio import AsyncSession

from auth_service import service
from auth_service.db import get_session
from auth_service.errors import InvalidClient, InvalidRequest, NotSuperuser
from auth_service.models import User
from auth_service.security import PasswordHasher
from auth_service.service import ClientCredentials, TokenPolicy
from platform_common.bearer import Claims, unauthorized

SessionDep = Annotated[AsyncSession, Depends(get_session)]


def password_hasher(request: Request) -> PasswordHasher:
    hasher: PasswordHasher = request.app.state.password_hasher
    return hasher


def token_policy(request: Request) -> TokenPolicy:
    policy: TokenPolicy = request.app.state.token_policy
    return policy


HasherDep = Annotated[PasswordHasher, Depends(password_hasher)]
PolicyDep = Annotated[TokenPolicy, Depends(token_policy)]


async def current_user(claims: Claims, session: SessionDep) -> User:
    """The token's user, who must still exist and be active: tokens outlive changes."""
    try:
        user_id = uuid.UUID(claims.subject)
    except ValueError:
        raise unauthorized("token subject is not a user") from None
    user = await service.get_active_user(session, user_id=user_id)
    if user is None:
        raise unauthorized("user not found or inactive")
    return user


CurrentUser = Annotated[User, Depends(current_user)]


async def current_superuser(user: CurrentUser) -> User:
    if not user.is_superuser:
        raise NotSuperuser
    return user


Superuser = Annotated[User, Depends(current_superuser)]


def client_credentials(
    request: Request,
    client_id: Annotated[str | None, Form()] = None,
    client_secret: Annotated[str | None, Form()] = None,
) -> ClientCredentials | None:
    """client_secret_basic or client_secret_post (RFC 6749 §2.3.1), not both."""
    header = request.headers.get("Authorization")
    if header is not None and header[:6].lower() == "basic ":
        if client_secret is not None:
            raise InvalidRequest("use one client authentication method, not two")
        try:
            decoded = base64.b64decode(header[6:].strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            raise InvalidClient("malformed Basic credentials") from None
        name, separator, secret = decoded.partition(":")
        if not separator:
            raise InvalidClient("malformed Basic credentials")
        # The id and secret are form-encoded before base64 (RFC 6749 §2.3.1).
        return ClientCredentials(client_id=unquote_plus(name), client_secret=unquote_plus(secret))
    if client_id is not None and client_secret is not None:
        return ClientCredentials(client_id=client_id, client_secret=client_secret)
    return None


ClientDep = Annotated[ClientCredentials | None, Depends(client_credentials)]

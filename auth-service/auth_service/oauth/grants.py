"""The token endpoint's grants by name: the one registry that the token
endpoint, the RFC 8414 metadata (`grant_types_supported`) and introspection
read. Adding a grant is a handler (auth_service.oauth.grant_types says what it
is given) and one entry in GRANTS (docs/architecture.md, "Add a grant")."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from auth_service.errors import InvalidRequest, UnsupportedGrantType
from auth_service.oauth import mfa_grant
from auth_service.oauth.code_grant import authorization_code
from auth_service.oauth.grant_types import (
    Grant,
    GrantRequest,
    client_credentials,
    password,
    refresh_token,
)
from auth_service.schemas import TokenResponse

GRANTS: Mapping[str, Grant] = MappingProxyType(
    {
        "authorization_code": authorization_code,
        "refresh_token": refresh_token,
        "client_credentials": client_credentials,
        "password": password,
        mfa_grant.GRANT_TYPE: mfa_grant.mfa_otp,
    }
)
# Grants that finish another's sign-in, allowed to whichever client that one
# is (the mfa-otp grant to a client of the password grant): no client is
# registered for them (auth_service.schemas.GrantType lists the others).
CONTINUATIONS: Mapping[str, str] = MappingProxyType({mfa_grant.GRANT_TYPE: "password"})


async def exchange(request: GrantRequest) -> TokenResponse:
    """The token endpoint: the grant the request names, or the RFC 6749 §5.2 error."""
    grant_type = request.form.grant_type
    if grant_type is None:
        raise InvalidRequest("grant_type is required")
    grant = GRANTS.get(grant_type)
    if grant is None:
        raise UnsupportedGrantType(f"grant type {grant_type!r} is not supported")
    return await grant(request)

import math
import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Annotated, Any, ClassVar, Literal, Self, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    RootModel,
    WithJsonSchema,
    model_validator,
)

from auth_service.accounts.emails import MAX_INPUT_LENGTH, InvalidEmail, normalise_email
from auth_service.models import ClientRevocation, SessionRevocation, SubjectRevocation

PASSWORD_MIN_LENGTH = 8
# Long enough for any passphrase; bounded so nobody makes the server hash megabytes.
PASSWORD_MAX_LENGTH = 128


def _email(value: str) -> str:
    try:
        return normalise_email(value)
    except InvalidEmail as exc:
        raise ValueError(f"value is not a valid email address: {exc}") from None


# Stored in one normal form (auth_service.accounts.emails): one account per address
# whatever its spelling, and the unique constraint on the column enforces it.
# The special-use domains of RFC 6761 and its successors (.test, .invalid,
# .arpa, ...) cannot receive mail and are refused: the pattern says so in the
# document (ECMA-262, case spelled out: JSON Schema patterns take no flags).
SPECIAL_USE_DOMAINS = ("arpa", "invalid", "local", "localhost", "onion", "test")
# No "=?" either: an RFC 2047 encoded word is no address (auth_service.accounts.emails).
EMAIL_PATTERN = (
    r"^(?![\s\S]*=\?)(?![\s\S]*[.@](?:"
    + "|".join("".join(f"[{c.upper()}{c}]" for c in name) for name in SPECIAL_USE_DOMAINS)
    + r")\.?\s*$)"
)
Email = Annotated[
    str,
    AfterValidator(_email),
    WithJsonSchema(
        {
            "type": "string",
            "format": "email",
            "maxLength": MAX_INPUT_LENGTH,
            "pattern": EMAIL_PATTERN,
            "description": "An address outside the special-use domains "
            + ", ".join(f".{name}" for name in SPECIAL_USE_DOMAINS)
            + ", with no RFC 2047 encoded word ('=?')"
            + "; stored lower-cased, its domain in IDNA ASCII form.",
        }
    ),
]
Password = Annotated[str, Field(min_length=PASSWORD_MIN_LENGTH, max_length=PASSWORD_MAX_LENGTH)]
# Postgres text cannot hold NUL, so it is refused here rather than by the driver.
FullName = Annotated[str, Field(min_length=1, max_length=255, pattern=r"^[^\x00]*$")]


class UserCreate(BaseModel):
    """Registration. Unknown fields (`is_active`, `is_superuser`, ...) are ignored."""

    email: Email
    password: Password
    full_name: FullName | None = None


def _update_schema(schema: dict[str, Any], model: type[BaseModel]) -> None:
    """The document says what refuse_nulls and the validators enforce: only the
    `nullable` fields take null, and `requires` lists what a field needs."""
    assert issubclass(model, _Update)
    for name, field in schema.get("properties", {}).items():
        if name in model.nullable or "anyOf" not in field:
            continue
        (kept,) = [branch for branch in field.pop("anyOf") if branch != {"type": "null"}]
        field.update(kept)
        field.pop("default", None)  # null, which the field refuses
    if model.requires:
        schema["dependentRequired"] = {k: list(v) for k, v in model.requires.items()}


class _Update(BaseModel):
    """A partial update: absent fields stay as they are; only some may be null."""

    model_config = ConfigDict(json_schema_extra=_update_schema)
    nullable: ClassVar[frozenset[str]] = frozenset({"full_name"})
    # Field → the fields that must come with it.
    requires: ClassVar[dict[str, tuple[str, ...]]] = {}

    @model_validator(mode="before")
    @classmethod
    def refuse_nulls(cls, data: Any) -> Any:
        if isinstance(data, dict):
            refused = [
                k
                for k, v in data.items()
                if v is None and k in cls.model_fields.keys() - cls.nullable
            ]
            if refused:
                raise ValueError(f"may not be null: {', '.join(sorted(refused))}")
        return data


CurrentPassword = Annotated[str, Field(max_length=PASSWORD_MAX_LENGTH)]


class UserUpdateMe(_Update):
    """A new password or email needs `current_password`: a stolen access token
    alone must not become a stolen account."""

    requires: ClassVar[dict[str, tuple[str, ...]]] = {
        "password": ("current_password",),
        "email": ("current_password",),
    }

    full_name: FullName | None = None
    email: Email | None = None
    password: Password | None = None
    current_password: CurrentPassword | None = None

    @model_validator(mode="after")
    def credential_change_needs_current_password(self) -> Self:
        for field, needed in self.requires.items():
            if getattr(self, field) is not None and any(getattr(self, n) is None for n in needed):
                raise ValueError(f"{field} needs {', '.join(needed)}")
        return self


class AccountDeletion(BaseModel):
    """The body of `DELETE /auth/me`."""

    current_password: CurrentPassword


class UserUpdateAdmin(_Update):
    full_name: FullName | None = None
    email: Email | None = None
    password: Password | None = None
    is_active: bool | None = None
    is_superuser: bool | None = None


class UserRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    email: str
    full_name: str | None
    is_active: bool
    is_superuser: bool
    # The address is proved to be the user's (POST /auth/verify).
    is_verified: bool
    created_at: datetime


class TokenResponse(BaseModel):
    """RFC 6749 §5.1. No refresh token for the client-credentials grant; an
    ID token (OpenID Connect Core §3.1.3.3) for an authorization code granted
    `openid`."""

    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105  (the OAuth token type, no secret)
    expires_in: int
    scope: str
    refresh_token: str | None = None
    id_token: str | None = None


class UserInfo(BaseModel):
    """OpenID Connect Core §5.3.2: `sub` always, the others as the token's
    scopes grant them (§5.4: `profile` the name, `email` the address and
    whether it is verified); a claim not granted or without a value is absent."""

    sub: str
    name: str | None = None
    email: str | None = None
    email_verified: bool | None = None


class TokenForm(BaseModel):
    """The form of `POST /auth/token` (RFC 6749 §4.3, §4.4, §6, §2.3.1).

    Every field is optional here: which ones a grant needs is checked by
    the grant's handler (auth_service.oauth.grants), so a missing one is an OAuth
    `invalid_request` rather than FastAPI's 422. An empty value counts as
    absent (FastAPI's rule for form fields).
    """

    grant_type: str | None = None
    username: str | None = None
    password: str | None = None
    refresh_token: str | None = None
    scope: str | None = None
    client_id: str | None = None
    client_secret: str | None = None
    # authorization_code (RFC 6749 §4.1.3, RFC 7636 §4.5)
    code: str | None = Field(default=None, max_length=256)
    redirect_uri: str | None = Field(default=None, max_length=2000)
    code_verifier: str | None = Field(default=None, max_length=128)
    # the mfa-otp grant (auth_service.oauth.mfa_grant): the password grant's
    # mfa_token and a TOTP code or a recovery code.
    mfa_token: str | None = Field(default=None, max_length=100)
    otp: str | None = Field(default=None, max_length=64)


class RevokeForm(BaseModel):
    """The form of `POST /auth/revoke` (RFC 7009 §2.1).

    `token` is required (a missing one is invalid_request); an empty one names
    no token, so nothing is revoked and the answer is 200, as for any token the
    server does not know (§2.2). FastAPI reads an empty form value as absent,
    hence the optional field here and the route's own check of the form's keys.
    """

    model_config = ConfigDict(json_schema_extra={"required": ["token"]})

    token: str | None = None
    token_type_hint: str | None = None


class OAuthErrorBody(BaseModel):
    """RFC 6749 §5.2."""

    error: str
    error_description: str
    mfa_token: str | None = Field(
        default=None,
        description="With error mfa_required: single use, for 5 minutes, for the "
        "grant urn:notes-platform:params:oauth:grant-type:mfa-otp with `otp`",
    )


class RevokedSubject(BaseModel):
    sub: str
    # Tokens of `sub` whose `ver` (missing = 0) is lower are refused; null:
    # every token of `sub` is (the account is deleted).
    min_version: Annotated[int, Field(ge=0)] | None


class RevokedSession(BaseModel):
    # Every token whose `sid` (login session: refresh-token family) this is.
    sid: str


class RevokedClient(BaseModel):
    # Tokens whose `client_id` this is and whose `iat` is earlier than
    # `not_before` (unix seconds) are refused.
    client_id: str
    not_before: Annotated[int, Field(ge=0)]


class RevocationList(BaseModel):
    """Access tokens that must be refused (platform_common.revocations): those
    of older versions of the subjects, of the sessions, and of the clients
    issued before `not_before`. A verifier ignores keys it does not know."""

    revoked: list[RevokedSubject]
    sessions: list[RevokedSession]
    clients: list[RevokedClient]

    @classmethod
    def of(
        cls,
        subjects: Iterable[SubjectRevocation],
        sessions: Iterable[SessionRevocation],
        clients: Iterable[ClientRevocation],
    ) -> Self:
        return cls(
            revoked=[
                RevokedSubject(sub=str(r.user_id), min_version=r.min_version) for r in subjects
            ],
            sessions=[RevokedSession(sid=str(r.session_id)) for r in sessions],
            clients=[
                # Stored as a whole second (client_revocations); ceil all the same.
                RevokedClient(client_id=r.client_id, not_before=math.ceil(r.not_before.timestamp()))
                for r in clients
            ],
        )


# Reset and verification tokens are 43 characters; anything much longer is none.
AccountTokenValue = Annotated[str, Field(min_length=1, max_length=256)]


class PasswordResetRequest(BaseModel):
    email: Email


class PasswordResetConfirm(BaseModel):
    token: AccountTokenValue
    new_password: Password


class EmailVerification(BaseModel):
    token: AccountTokenValue


class Accepted(BaseModel):
    detail: str


class NoticeRequest(BaseModel):
    """A notice a service mails a user (POST /internal/users/{user_id}/notices):
    one header line for the subject (no CR/LF), a bounded plain-text body."""

    subject: Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[^\r\n\x00]*$")]
    text: Annotated[str, Field(min_length=1, max_length=4000, pattern=r"^[^\x00]*$")]


class RegistrationAccepted(BaseModel):
    """The answer to every valid registration, the address taken or not."""

    email: str
    detail: str


class SessionRead(BaseModel):
    """One login (refresh-token family) of the account."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    created_at: datetime
    last_used_at: datetime
    user_agent: str | None
    client_address: str | None
    # The session of the access token this list was asked with.
    current: bool = False


class SecurityEventRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    occurred_at: datetime
    type: str
    user_id: uuid.UUID | None
    client_address: str | None
    user_agent: str | None
    request_id: str | None
    session_id: uuid.UUID | None


class IntrospectForm(BaseModel):
    """The form of `POST /auth/introspect` (RFC 7662 §2.1), with the client's
    credentials when it uses client_secret_post."""

    token: str | None = None
    token_type_hint: str | None = None
    client_id: str | None = None
    client_secret: str | None = None


class IntrospectionResponse(BaseModel):
    """RFC 7662 §2.2: only `active` when the token is not active."""

    active: bool
    scope: str | None = None
    client_id: str | None = None
    username: str | None = None
    token_type: str | None = None
    exp: int | None = None
    iat: int | None = None
    sub: str | None = None
    aud: str | list[str] | None = None
    iss: str | None = None
    jti: str | None = None


# The client registry (auth_service.oauth.clients; superusers' /auth/clients).
ClientId = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")]
# What a client may be registered for: every grant of the registry but those
# finishing another's sign-in (auth_service.oauth.grants, CONTINUATIONS;
# tests/test_grants.py keeps them in step).
GrantType = Literal["authorization_code", "refresh_token", "client_credentials", "password"]
GRANT_TYPES: frozenset[str] = frozenset(get_args(GrantType))
GrantTypes = Annotated[list[GrantType], Field(min_length=1, max_length=len(GRANT_TYPES))]
RedirectUri = Annotated[str, Field(min_length=1, max_length=2000)]
ScopeToken = Annotated[str, Field(pattern=r"^[\x21\x23-\x5b\x5d-\x7e]{1,100}$")]
Audience = Annotated[str, Field(min_length=1, max_length=200)]


class ClientCreate(BaseModel):
    """A client; unset `client_id`: one is made up."""

    client_id: ClientId | None = None
    name: Annotated[str, Field(min_length=1, max_length=200)]
    confidential: bool
    redirect_uris: Annotated[list[RedirectUri], Field(max_length=20)] = []
    grant_types: GrantTypes
    scopes: Annotated[list[ScopeToken], Field(min_length=1, max_length=50)]
    first_party: bool = False
    audience: Audience | None = None
    introspection_audiences: Annotated[list[Audience], Field(max_length=20)] = []


class ClientUpdate(_Update):
    nullable: ClassVar[frozenset[str]] = frozenset({"audience"})

    name: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    redirect_uris: Annotated[list[RedirectUri], Field(max_length=20)] | None = None
    grant_types: (
        Annotated[list[GrantType], Field(min_length=1, max_length=len(GRANT_TYPES))] | None
    ) = None
    scopes: Annotated[list[ScopeToken], Field(min_length=1, max_length=50)] | None = None
    first_party: bool | None = None
    enabled: bool | None = None
    audience: Audience | None = None
    introspection_audiences: Annotated[list[Audience], Field(max_length=20)] | None = None


class ClientRead(BaseModel):
    model_config = ConfigDict(from_attributes=True, populate_by_name=True)

    client_id: str = Field(validation_alias="id")
    name: str
    confidential: bool
    first_party: bool
    enabled: bool
    redirect_uris: list[str]
    grant_types: list[str]
    scopes: list[str]
    audience: str | None
    introspection_audiences: list[str]
    # A rotated secret's predecessor is accepted until then.
    previous_secret_expires_at: datetime | None
    created_at: datetime
    updated_at: datetime


class ClientCreated(ClientRead):
    """The client and, for a confidential one, its secret: shown this once."""

    client_secret: str | None = None


class ClientSecret(BaseModel):
    client_id: str
    client_secret: str
    previous_secret_expires_at: datetime


class AuthorizationRead(BaseModel):
    """An app the caller let act for them (GET /auth/me/authorizations)."""

    model_config = ConfigDict(from_attributes=True)

    client_id: str
    client_name: str
    scopes: list[str]
    granted_at: datetime
    last_used_at: datetime | None


# A TOTP code (6 digits) or a recovery code (xxxx-xxxx-xxxx-xxxx), spaces allowed.
OneTimeCode = Annotated[str, Field(min_length=1, max_length=64)]


class TotpStatus(BaseModel):
    enabled: bool
    # Pending: an enrolment started and not yet confirmed.
    pending: bool
    recovery_codes_left: int


class TotpEnrolment(BaseModel):
    """Shown once: add it to an authenticator app (scan `qr_svg` or type
    `secret`), then confirm with a code it shows."""

    secret: str
    otpauth_uri: str
    qr_svg: str


class TotpCode(BaseModel):
    code: OneTimeCode


class TotpDisable(BaseModel):
    current_password: CurrentPassword
    code: OneTimeCode


class RecoveryCodes(BaseModel):
    """Shown once; each works once, in place of a TOTP code."""

    recovery_codes: list[str]


# Personal access tokens (auth_service.accounts.personal_tokens).
PersonalTokenScope = Literal["notes:read", "notes:write", "notes"]
PersonalTokenName = Annotated[
    str, Field(min_length=1, max_length=100, pattern=r"^[^\x00-\x1f\x7f]+$")
]


class PersonalTokenCreate(BaseModel):
    name: PersonalTokenName
    scopes: Annotated[list[PersonalTokenScope], Field(min_length=1, max_length=3)]
    # Seconds; required, at most 366 days.
    expires_in: Annotated[int, Field(ge=60, le=366 * 24 * 3600)]
    # A TOTP code no older than 5 minutes, for an account with TOTP on.
    otp: Annotated[str | None, Field(max_length=64)] = None


class PersonalTokenRead(BaseModel):
    """A live token: never the token itself, only its prefix and last four characters."""

    id: uuid.UUID
    name: str
    # np_pat_…abcd
    shown: str
    scopes: list[str]
    created_at: datetime
    expires_at: datetime
    last_used_at: datetime | None
    last_used_address: str | None

    @classmethod
    def of(cls, row: Any) -> Self:
        return cls(
            id=row.id,
            name=row.name,
            shown=f"np_pat_…{row.last_four}",
            scopes=row.scopes,
            created_at=row.created_at,
            expires_at=row.expires_at,
            last_used_at=row.last_used_at,
            last_used_address=row.last_used_address,
        )


class PersonalTokenOfUser(PersonalTokenRead):
    user_id: uuid.UUID

    @classmethod
    def of(cls, row: Any) -> Self:
        return cls.model_validate(
            {**PersonalTokenRead.of(row).model_dump(), "user_id": row.user_id}
        )


class PersonalTokenCreated(PersonalTokenRead):
    # Shown this once: only its SHA-256 is kept.
    token: str


class LeakedToken(BaseModel):
    """One match of a secret scanning partner's report (GitHub's format)."""

    token: Annotated[str, Field(max_length=256)]
    type: Annotated[str, Field(max_length=100)]
    url: Annotated[str | None, Field(max_length=2000)] = None
    source: Annotated[str | None, Field(max_length=100)] = None


class LeakReport(RootModel[Annotated[list[LeakedToken], Field(max_length=1000)]]):
    pass


class LeakFeedback(BaseModel):
    """A token of the report that was live and is now revoked (GitHub's feedback format)."""

    token_raw: str
    token_type: str
    label: Literal["true_positive"] = "true_positive"


class PersonalTokenCheckRequest(BaseModel):
    token_hash: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
    # The client's, when the gateway asks: the use is recorded.
    address: Annotated[str | None, Field(max_length=255)] = None


class PersonalTokenCheck(BaseModel):
    """A token's claims as a verifier uses them; only `active` when it is not."""

    active: bool
    sub: str | None = None
    scope: str | None = None
    jti: str | None = None
    ver: int | None = None
    iat: int | None = None
    exp: int | None = None

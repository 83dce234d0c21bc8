import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Annotated, Any, ClassVar, Literal, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, EmailStr, Field, model_validator

from auth_service.models import SubjectRevocation

PASSWORD_MIN_LENGTH = 8
# Long enough for any passphrase; bounded so nobody makes the server hash megabytes.
PASSWORD_MAX_LENGTH = 128

# Lower-cased as a whole: one account per address whatever its spelling, and
# the unique constraint on the column enforces it.
Email = Annotated[EmailStr, AfterValidator(str.lower)]
Password = Annotated[str, Field(min_length=PASSWORD_MIN_LENGTH, max_length=PASSWORD_MAX_LENGTH)]
# Postgres text cannot hold NUL, so it is refused here rather than by the driver.
FullName = Annotated[str, Field(min_length=1, max_length=255, pattern=r"^[^\x00]*$")]


class UserCreate(BaseModel):
    """Registration. Unknown fields (`is_active`, `is_superuser`, ...) are ignored."""

    email: Email
    password: Password
    full_name: FullName | None = None


class _Update(BaseModel):
    """A partial update: absent fields stay as they are; only some may be null."""

    nullable: ClassVar[frozenset[str]] = frozenset({"full_name", "current_password"})

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

    full_name: FullName | None = None
    email: Email | None = None
    password: Password | None = None
    current_password: CurrentPassword | None = None

    @model_validator(mode="after")
    def credential_change_needs_current_password(self) -> Self:
        if (self.password is not None or self.email is not None) and self.current_password is None:
            raise ValueError("a new password or email needs current_password")
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
    created_at: datetime


class TokenResponse(BaseModel):
    """RFC 6749 §5.1. No refresh token for the client-credentials grant."""

    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105  (the OAuth token type, no secret)
    expires_in: int
    scope: str
    refresh_token: str | None = None


class TokenForm(BaseModel):
    """The form of `POST /auth/token` (RFC 6749 §4.3, §4.4, §6, §2.3.1).

    Every field is optional here: which ones a grant needs is checked by
    auth_service.tokens.exchange, so a missing one is an OAuth
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


class RevokeForm(BaseModel):
    """The form of `POST /auth/revoke` (RFC 7009 §2.1)."""

    token: str | None = None
    token_type_hint: str | None = None


class OAuthErrorBody(BaseModel):
    """RFC 6749 §5.2."""

    error: str
    error_description: str


class RevokedSubject(BaseModel):
    sub: str
    # Tokens of `sub` whose `ver` (missing = 0) is lower are refused; null:
    # every token of `sub` is (the account is deleted).
    min_version: Annotated[int, Field(ge=0)] | None


class RevocationList(BaseModel):
    """Subjects whose older access tokens must be refused (platform_common.revocations)."""

    revoked: list[RevokedSubject]

    @classmethod
    def of(cls, revocations: Iterable[SubjectRevocation]) -> Self:
        return cls(
            revoked=[
                RevokedSubject(sub=str(r.user_id), min_version=r.min_version) for r in revocations
            ]
        )

from enum import StrEnum


class EventsListTypeType0(StrEnum):
    ACCOUNT_DEACTIVATED = "account.deactivated"
    ACCOUNT_DELETED = "account.deleted"
    AUTHORIZATION_REVOKED = "authorization.revoked"
    CLIENT_CREATED = "client.created"
    CLIENT_DELETED = "client.deleted"
    CLIENT_DISABLED = "client.disabled"
    CLIENT_SECRET_ROTATED = "client.secret_rotated"
    CLIENT_UPDATED = "client.updated"
    EMAIL_CHANGED = "email.changed"
    EMAIL_CHANGE_REQUESTED = "email.change_requested"
    EMAIL_VERIFIED = "email.verified"
    LOGIN_FAILED = "login.failed"
    LOGIN_SUCCEEDED = "login.succeeded"
    LOGIN_THROTTLED = "login.throttled"
    MFA_FAILED = "mfa.failed"
    MFA_RECOVERY_CODES_REGENERATED = "mfa.recovery_codes_regenerated"
    MFA_RECOVERY_CODE_USED = "mfa.recovery_code_used"
    MFA_TOTP_DISABLED = "mfa.totp_disabled"
    MFA_TOTP_ENABLED = "mfa.totp_enabled"
    PASSWORD_CHANGED = "password.changed"
    PASSWORD_RESET = "password.reset"
    PERSONAL_TOKEN_CREATED = "personal_token.created"
    PERSONAL_TOKEN_EXPIRING = "personal_token.expiring"
    PERSONAL_TOKEN_LEAKED = "personal_token.leaked"
    PERSONAL_TOKEN_NEW_ADDRESS = "personal_token.new_address"
    PERSONAL_TOKEN_REVOKED = "personal_token.revoked"
    REFRESH_TOKEN_REUSED = "refresh_token.reused"
    SESSION_ENDED = "session.ended"
    SESSION_ENDED_ALL = "session.ended_all"

    def __str__(self) -> str:
        return str(self.value)

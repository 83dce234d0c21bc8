"""notes-service's settings: its token check is validated as the gateway's
(platform_common.verification.VerifierSettings), read from `NOTES_*`."""

import pytest
from pydantic import ValidationError

from notes_service.config import Settings

# Each verifier setting, as a deployment sets it, and what notes-service reads.
VARIABLES = {
    "NOTES_JWKS_URL": ("http://auth-a:8001/jwks,http://auth-b:8001/jwks", None),
    "NOTES_JWT_ISSUER": ("https://notes.example/auth", None),
    "NOTES_JWT_PREVIOUS_ISSUERS": ("[]", []),
    "NOTES_JWT_AUDIENCES": ('["notes-platform"]', ["notes-platform"]),
    "NOTES_JWKS_MAX_AGE_SECONDS": ("60", 60.0),
    "NOTES_JWKS_REFETCH_FLOOR_SECONDS": ("0", 0.0),
    "NOTES_REVOCATIONS_URL": ("http://auth-a:8001/internal/revocations", None),
    "NOTES_REVOCATIONS_POLL_INTERVAL_SECONDS": ("0.5", 0.5),
    "NOTES_REVOCATIONS_ENABLED": ("false", False),
}


class TestVerifierSettings:
    def test_read_from_notes_variables(self, monkeypatch: pytest.MonkeyPatch) -> None:
        for name, (value, _) in VARIABLES.items():
            monkeypatch.setenv(name, value)
        expected = {
            name.removeprefix("NOTES_").lower(): value if read is None else read
            for name, (value, read) in VARIABLES.items()
        }
        assert Settings().model_dump(include=set(expected)) == expected

    def test_defaults_for_local_runs(self) -> None:
        settings = Settings()
        assert settings.jwks_url == "http://127.0.0.1:8001/auth/.well-known/jwks.json"
        assert settings.revocations_url == "http://127.0.0.1:8001/internal/revocations"
        assert (settings.jwks_max_age_seconds, settings.jwks_refetch_floor_seconds) == (300, 10)
        assert settings.jwt_audiences == ["notes-platform", "notes-service"]

    @pytest.mark.parametrize(
        ("variable", "value"),
        [
            # An age of 0 (or less) would ask auth-service for its keys on every token.
            ("NOTES_JWKS_MAX_AGE_SECONDS", "0"),
            ("NOTES_JWKS_MAX_AGE_SECONDS", "-300"),
            ("NOTES_JWKS_REFETCH_FLOOR_SECONDS", "-1"),
            ("NOTES_REVOCATIONS_POLL_INTERVAL_SECONDS", "0"),
        ],
    )
    def test_out_of_bounds_refused(
        self, monkeypatch: pytest.MonkeyPatch, variable: str, value: str
    ) -> None:
        monkeypatch.setenv(variable, value)
        field = variable.removeprefix("NOTES_").lower()
        with pytest.raises(ValidationError, match=field):
            Settings()


class TestOutboxSettings:
    def test_off_without_a_webhooks_url(self) -> None:
        settings = Settings()
        assert (settings.webhooks_url, settings.outbox_enabled) == ("", False)

    def test_on_with_a_url_and_the_client_s_secret(self) -> None:
        settings = Settings(
            webhooks_url="http://webhooks-a:8003,http://webhooks-b:8003",
            webhooks_client_secret="s" * 32,
        )
        assert settings.outbox_enabled

    def test_a_url_without_the_secret_is_refused(self) -> None:
        with pytest.raises(ValidationError, match="webhooks_client_secret is needed"):
            Settings(webhooks_url="http://webhooks:8003")

    def test_a_lease_a_call_could_outlast_is_refused(self) -> None:
        with pytest.raises(ValidationError, match="outbox_lease_seconds must exceed"):
            Settings(
                webhooks_url="http://webhooks:8003",
                webhooks_client_secret="s" * 32,
                webhooks_timeout_seconds=10,
                outbox_lease_seconds=20,
            )

    def test_a_batch_is_at_most_what_webhooks_service_takes(self) -> None:
        with pytest.raises(ValidationError):
            Settings(outbox_batch_size=501)

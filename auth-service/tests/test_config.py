"""AUTH_PUBLIC_URL and the issuer derived from it (RFC 8414 §2, issue 33)."""

import pytest
from pydantic import ValidationError

from auth_service.config import Settings


class TestPublicUrl:
    @pytest.mark.parametrize(
        ("public_url", "stored", "issuer"),
        [
            ("http://127.0.0.1:9000", "http://127.0.0.1:9000", "http://127.0.0.1:9000/auth"),
            (
                "https://notes.example.com/",
                "https://notes.example.com",
                "https://notes.example.com/auth",
            ),
            # Behind a proxy that adds a path: still one URL the others start from.
            ("https://example.com/api/", "https://example.com/api", "https://example.com/api/auth"),
        ],
    )
    def test_issuer_is_the_public_url_of_auth_service(
        self, public_url: str, stored: str, issuer: str
    ) -> None:
        settings = Settings(public_url=public_url)
        assert (settings.public_url, settings.jwt_issuer) == (stored, issuer)

    def test_default_is_the_make_run_gateway(self) -> None:
        assert Settings().jwt_issuer == "http://127.0.0.1:8000/auth"

    @pytest.mark.parametrize(
        "public_url",
        [
            "",
            "notes.example.com",
            "/auth",
            "ftp://notes.example.com",
            "https://",
            "https://notes.example.com/?tenant=1",  # §2: no query
            "https://notes.example.com/#top",  # §2: no fragment
            "https://user:secret@notes.example.com",
            "https://notes.example.com/a b",
            "https://notes.example.com\r\nX-Injected: 1",
        ],
    )
    def test_anything_but_an_absolute_http_url_refused(self, public_url: str) -> None:
        with pytest.raises(ValidationError, match="public_url"):
            Settings(public_url=public_url)

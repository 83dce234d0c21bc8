import os
import threading
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI
from jose import jwt

from auth_service.config import Settings
from auth_service.oauth.keys import (
    KeyConfigurationError,
    development_key_ring,
    generate_private_pem,
    load_key_ring,
)
from platform_common.tokens import parse_jwks

PRIVATE_MEMBERS = {"d", "p", "q", "dp", "dq", "qi", "oth", "k"}


def public_pem(private_pem: bytes) -> bytes:
    private = serialization.load_pem_private_key(private_pem, password=None)
    return private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


class TestJwksEndpoint:
    async def test_publishes_every_key_public_halves_only(
        self, client: httpx.AsyncClient, app: FastAPI
    ) -> None:
        for path in ("/auth/.well-known/jwks.json", "/auth/.well-known/jwks.json/"):
            response = await client.get(path)
            assert response.status_code == 200
            keys = response.json()["keys"]
            assert [k["kid"] for k in keys] == ["2026-01-01", "2026-06-01"]
            for key in keys:
                assert set(key) == {"kty", "use", "alg", "kid", "n", "e"}
                assert not PRIVATE_MEMBERS & set(key)
                assert (key["kty"], key["use"], key["alg"]) == ("RSA", "sig", "RS256")

    async def test_verifies_issued_tokens(self, client: httpx.AsyncClient, app: FastAPI) -> None:
        keys = parse_jwks((await client.get("/auth/.well-known/jwks.json")).json())
        token = app.state.auth.token_policy.signer.sign(subject="s", audience="a", scope="notes")
        kid = jwt.get_unverified_header(token)["kid"]
        claims = jwt.decode(token, keys[kid], algorithms=["RS256"], audience="a")
        assert claims["sub"] == "s"


class TestLoadKeyRing:
    def test_active_key_defaults_to_last_private_key(self, tmp_path: Path) -> None:
        newest = generate_private_pem()
        (tmp_path / "2026-01-01.pem").write_bytes(generate_private_pem())
        (tmp_path / "2026-02-01.pem").write_bytes(newest)
        (tmp_path / "2027-01-01.pem").write_bytes(public_pem(generate_private_pem()))
        ring = load_key_ring(tmp_path)
        assert ring.active.kid == "2026-02-01"
        assert [key.kid for key in ring.keys] == ["2026-01-01", "2026-02-01", "2027-01-01"]

    def test_public_only_key_is_published_not_used(self, tmp_path: Path) -> None:
        (tmp_path / "new.pem").write_bytes(generate_private_pem())
        (tmp_path / "retired.pem").write_bytes(public_pem(generate_private_pem()))
        ring = load_key_ring(tmp_path)
        assert ring.active.kid == "new"
        assert {k["kid"] for k in ring.jwks()["keys"]} == {"new", "retired"}

    def test_explicit_active_key(self, tmp_path: Path) -> None:
        (tmp_path / "a.pem").write_bytes(generate_private_pem())
        (tmp_path / "b.pem").write_bytes(generate_private_pem())
        assert load_key_ring(tmp_path, "a").active.kid == "a"
        with pytest.raises(KeyConfigurationError):
            load_key_ring(tmp_path, "c")

    def test_jwks_has_no_private_members(self, tmp_path: Path) -> None:
        (tmp_path / "a.pem").write_bytes(generate_private_pem())
        for key in load_key_ring(tmp_path).jwks()["keys"]:
            assert not PRIVATE_MEMBERS & set(key)

    @pytest.mark.parametrize(
        ("name", "content"),
        [
            ("bad.pem", b"-----BEGIN PRIVATE KEY-----\nnonsense\n-----END PRIVATE KEY-----\n"),
            ("bad.pem", b"not a key"),
            ("bad id!.pem", b""),
        ],
    )
    def test_unusable_files_refused(self, tmp_path: Path, name: str, content: bytes) -> None:
        (tmp_path / "good.pem").write_bytes(generate_private_pem())
        (tmp_path / name).write_bytes(content)
        with pytest.raises(KeyConfigurationError):
            load_key_ring(tmp_path)

    def test_small_keys_refused(self, tmp_path: Path) -> None:
        weak = rsa.generate_private_key(public_exponent=65537, key_size=1024)  # noqa: S505  (on purpose)
        (tmp_path / "weak.pem").write_bytes(
            weak.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        with pytest.raises(KeyConfigurationError, match="2048"):
            load_key_ring(tmp_path)

    def test_configured_directory_needs_a_private_key(self, tmp_path: Path) -> None:
        with pytest.raises(KeyConfigurationError):
            load_key_ring(tmp_path)
        (tmp_path / "only-public.pem").write_bytes(public_pem(generate_private_pem()))
        with pytest.raises(KeyConfigurationError):
            load_key_ring(tmp_path)
        with pytest.raises(KeyConfigurationError):
            load_key_ring(tmp_path / "missing")


class TestDevelopmentKey:
    def test_generated_once_and_reused(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("PLATFORM_DATA_DIR", str(tmp_path))
        assert Settings().development_keys_dir == tmp_path / "auth-keys"
        first = development_key_ring(tmp_path / "auth-keys")
        files = list((tmp_path / "auth-keys").glob("*.pem"))
        assert [f.name for f in files] == [f"{first.active.kid}.pem"]
        assert os.stat(files[0]).st_mode & 0o777 == 0o600
        assert development_key_ring(tmp_path / "auth-keys").active.kid == first.active.kid

    def test_concurrent_starts_agree_on_one_key(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        kids: list[str] = []
        directory = tmp_path / "auth-keys"
        threads = [
            threading.Thread(target=lambda: kids.append(development_key_ring(directory).active.kid))
            for _ in range(4)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(set(kids)) == 1
        assert len(list((tmp_path / "auth-keys").glob("*.pem"))) == 1

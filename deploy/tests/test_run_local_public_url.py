"""`make run` advertises the gateway it actually started (issue 33).

The RFC 8414 metadata's endpoints, the links in emails and the tokens'
issuer all derive from AUTH_PUBLIC_URL; left unset, it is the gateway's
address (GATEWAY_PORT), and the verifiers' issuer follows it.
"""

import pytest
import run_local

from tests.deployment import default_settings

DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
DERIVED = ("AUTH_PUBLIC_URL", "GATEWAY_JWT_ISSUER", "NOTES_JWT_ISSUER")


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in (*DERIVED, "GATEWAY_PORT", "AUTH_PORT", "NOTES_PORT"):
        monkeypatch.delenv(variable, raising=False)


def derived(env: dict[str, str]) -> tuple[str, ...]:
    return tuple(env[variable] for variable in DERIVED)


def from_environment() -> dict[str, str]:
    return run_local.service_environment(DATABASE_URL, run_local.ports_from_environment())


def public_url_and_issuers(public_url: str) -> tuple[str, str, str]:
    """AUTH_PUBLIC_URL, then the two verifiers' issuer: the public URL's `/auth`."""
    return (public_url, f"{public_url}/auth", f"{public_url}/auth")


def test_derived_from_the_gateway_port(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GATEWAY_PORT", "9000")
    assert derived(from_environment()) == public_url_and_issuers("http://127.0.0.1:9000")


def test_with_replicas_the_first_gateway(monkeypatch: pytest.MonkeyPatch) -> None:
    ports = {**run_local.free_ports(replicas=2, gateways=2), "gateway": 9100}
    env = run_local.service_environment(DATABASE_URL, ports)
    assert env["AUTH_PUBLIC_URL"] == "http://127.0.0.1:9100"


def test_a_public_url_set_wins_and_the_issuers_follow(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GATEWAY_PORT", "9000")
    monkeypatch.setenv("AUTH_PUBLIC_URL", "https://notes.example.com")
    assert derived(from_environment()) == public_url_and_issuers("https://notes.example.com")


def test_a_system_given_a_public_url_passes_it_on() -> None:
    system = run_local.LocalSystem(
        DATABASE_URL,
        ports=run_local.free_ports(),
        extra_env={"AUTH_PUBLIC_URL": "http://127.0.0.1:7000/"},
    )
    assert system.public_url == "http://127.0.0.1:7000"
    assert derived(system._env()) == (
        "http://127.0.0.1:7000/",
        "http://127.0.0.1:7000/auth",
        "http://127.0.0.1:7000/auth",
    )


def test_the_defaults_agree() -> None:
    """Started alone with no settings, the three services agree on the issuer."""
    auth, notes, gateway = (
        default_settings(p) for p in ("auth_service", "notes_service", "gateway")
    )
    assert auth.jwt_issuer == "http://127.0.0.1:8000/auth"
    assert gateway.jwt_issuer == notes.jwt_issuer == auth.jwt_issuer
    assert gateway.jwt_previous_issuers == notes.jwt_previous_issuers == auth.jwt_previous_issuers

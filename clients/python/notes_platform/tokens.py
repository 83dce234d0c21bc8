"""Access tokens for the client: httpx `Auth` objects the client sends every request through.

- `personal_access_token("np_pat_...")`: a static bearer token, never refreshed.
- `client_credentials(client_id, client_secret, scope=...)`: a service's token,
  fetched again before it expires.
- `password(username, password, client_id=...)`: the password grant, for
  first-party scripts only; refreshed with its refresh token.
- `refresh_token(...)` / `notes_platform.browser_sign_in`: the tokens of the
  authorization code flow, refreshed with the refresh token.

A token is fetched when none is held or the one held expires within the
margin (30 s, or half its lifetime when that is shorter), before the request
that needs it: the token request goes through the client's own transport
(retries and mocks included). One lock per `OAuthTokens` (a thread lock for
the sync client, an asyncio lock for the async one) makes concurrent requests
wait for a single refresh: the platform rotates refresh tokens and revokes
the whole family when a used one is presented again, so two refreshes at once
would sign the program out.

A held token the platform refuses (401: its session ended, its signing key
was withdrawn) is renewed once and the request sent again with the new one;
a token fetched for the request itself is not, so a refusal never loops.
The response hook (notes_platform.errors) lets that first 401 through to
the flow, which it names by `RENEWABLE` in the request's extensions.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncGenerator, Callable, Generator, Mapping
from dataclasses import dataclass, replace

import httpx

from notes_platform.errors import RENEWABLE, TOKEN_PATH

MARGIN_SECONDS = 30.0


@dataclass(frozen=True)
class Token:
    access_token: str
    expires_at: float  # on the `clock` of the OAuthTokens that holds it
    refresh_token: str | None = None
    scope: str = ""


class StaticToken(httpx.Auth):
    """A bearer token used as it is (a personal access token)."""

    def __init__(self, token: str) -> None:
        self._header = f"Bearer {token}"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = self._header
        yield request


class OAuthTokens(httpx.Auth):
    """Tokens from the platform's token endpoint, renewed before they expire.

    `form` asks for the first token (and for each next one when no refresh
    token came with it); `client` (client_id, client_secret) goes with every
    refresh.
    """

    # Read before the flow, so that a request sent again after a 401 has its body.
    requires_request_body = True

    def __init__(
        self,
        form: Mapping[str, str] | None,
        *,
        client: Mapping[str, str] | None = None,
        token: Token | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._form = dict(form) if form is not None else None
        self._client = dict(client or {})
        self._token = token
        self._clock = clock
        self._lock = threading.Lock()
        self._async_lock = asyncio.Lock()

    @property
    def token(self) -> Token | None:
        return self._token

    def _stale(self) -> bool:
        if self._token is None:
            return True
        return self._clock() >= self._token.expires_at

    def _token_request(self, request: httpx.Request) -> httpx.Request:
        if self._token is not None and self._token.refresh_token:
            form = {
                "grant_type": "refresh_token",
                "refresh_token": self._token.refresh_token,
                **self._client,
            }
        elif self._form is not None:
            form = self._form
        else:
            raise RuntimeError("no way to get a new token: sign in again")
        return httpx.Request("POST", request.url.join(TOKEN_PATH), data=form)

    def store(self, answer: Mapping[str, object]) -> Token:
        """Keep the token endpoint's answer (RFC 6749 §5.1)."""
        lifetime = float(str(answer["expires_in"]))
        margin = min(MARGIN_SECONDS, lifetime / 2)
        refresh = answer.get("refresh_token")
        self._token = Token(
            access_token=str(answer["access_token"]),
            expires_at=self._clock() + lifetime - margin,
            # A refresh grant may answer without one: keep the one we had.
            refresh_token=str(refresh)
            if refresh
            else (self._token.refresh_token if self._token else None),
            scope=str(answer.get("scope", "")),
        )
        return self._token

    def _authorize(self, request: httpx.Request, *, renewable: bool) -> httpx.Request:
        assert self._token is not None
        request.headers["Authorization"] = f"Bearer {self._token.access_token}"
        request.extensions = {**request.extensions, RENEWABLE: renewable}
        return request

    def _refused(self, held: Token | None) -> bool:
        """After a 401 to `held`: whether a new token must be fetched (not
        when another request already replaced it)."""
        if self._token is not held or held is None:
            return False
        self._token = replace(held, expires_at=-float("inf"))
        return True

    def sync_auth_flow(
        self, request: httpx.Request
    ) -> Generator[httpx.Request, httpx.Response, None]:
        with self._lock:
            fetched = self._stale()
            if fetched:
                answer = yield self._token_request(request)
                answer.read()
                self.store(answer.json())
            held = self._token
        response = yield self._authorize(request, renewable=not fetched)
        if fetched or response.status_code != 401:
            return
        with self._lock:
            if self._refused(held):
                answer = yield self._token_request(request)
                answer.read()
                self.store(answer.json())
        yield self._authorize(request, renewable=False)

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        async with self._async_lock:
            fetched = self._stale()
            if fetched:
                answer = yield self._token_request(request)
                await answer.aread()
                self.store(answer.json())
            held = self._token
        response = yield self._authorize(request, renewable=not fetched)
        if fetched or response.status_code != 401:
            return
        async with self._async_lock:
            if self._refused(held):
                answer = yield self._token_request(request)
                await answer.aread()
                self.store(answer.json())
        yield self._authorize(request, renewable=False)


def _client(client_id: str | None, client_secret: str | None) -> dict[str, str]:
    """How the program names itself to the token endpoint (in the form)."""
    client = {"client_id": client_id} if client_id else {}
    if client_id and client_secret:
        client["client_secret"] = client_secret
    return client


def personal_access_token(token: str) -> StaticToken:
    return StaticToken(token)


def client_credentials(client_id: str, client_secret: str, *, scope: str = "") -> OAuthTokens:
    form = {"grant_type": "client_credentials", "client_id": client_id}
    form["client_secret"] = client_secret
    if scope:
        form["scope"] = scope
    return OAuthTokens(form)


def password(
    username: str,
    secret: str,
    *,
    client_id: str | None = None,
    client_secret: str | None = None,
    scope: str = "",
) -> OAuthTokens:
    """The password grant (first-party scripts): `username` is the account's email."""
    client = _client(client_id, client_secret)
    form = {"grant_type": "password", "username": username, **client}
    form["password"] = secret
    if scope:
        form["scope"] = scope
    return OAuthTokens(form, client=client)


def refresh_token(
    token: str, *, client_id: str | None = None, client_secret: str | None = None
) -> OAuthTokens:
    """Tokens kept going from a refresh token (the authorization code flow's)."""
    client = _client(client_id, client_secret)
    return OAuthTokens(None, client=client, token=Token("", -float("inf"), refresh_token=token))

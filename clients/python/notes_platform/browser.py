"""Sign a person in from a command-line app: the authorization code flow with
PKCE (S256) and a loopback redirect (RFC 8252 §7.3).

The app listens on a free port of 127.0.0.1 (the standard library's HTTP
server), opens the person's browser at the platform's `/auth/authorize`, gets
the code at `http://127.0.0.1:<port>/callback` (its `state` checked), and
trades it and the PKCE verifier for tokens, kept going by `OAuthTokens`.
The client must be registered as a public client with that redirect URI,
port included: the platform compares redirect URIs as exact strings, so the
app listens on the port it registered (`port=`; 0 takes any free one, for
tests).
"""

from __future__ import annotations

import base64
import hashlib
import http.server
import secrets
import threading
import webbrowser
from collections.abc import Callable
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx

from notes_platform.errors import TOKEN_PATH, raise_for_status
from notes_platform.tokens import OAuthTokens

CALLBACK_PATH = "/callback"


class SignInFailed(Exception):
    """The browser came back without a code (refused consent, wrong state, timeout)."""


def pkce_pair() -> tuple[str, str]:
    """A code verifier (RFC 7636 §4.1) and its S256 challenge."""
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


class _Receiver(http.server.BaseHTTPRequestHandler):
    answers: list[dict[str, list[str]]]

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        if url.path == CALLBACK_PATH:
            type(self).answers.append(parse_qs(url.query))
        body = b"Signed in: you can close this tab and go back to the app."
        self.send_response(200 if url.path == CALLBACK_PATH else 404)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the query holds the code."""


def browser_sign_in(
    base_url: str,
    client_id: str,
    *,
    port: int,
    scope: str = "notes:read notes:write offline_access",
    open_browser: Callable[[str], object] = webbrowser.open,
    timeout: float = 300.0,
    transport: httpx.BaseTransport | None = None,
) -> OAuthTokens:
    """Tokens for the person who signs in, in their browser, as `client_id`."""
    verifier, challenge = pkce_pair()
    state = secrets.token_urlsafe(24)
    receiver = type("Receiver", (_Receiver,), {"answers": []})
    with http.server.HTTPServer(("127.0.0.1", port), receiver) as server:
        redirect_uri = f"http://127.0.0.1:{server.server_address[1]}{CALLBACK_PATH}"
        query = {
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": redirect_uri,
            "scope": scope,
            "state": state,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
        server.timeout = timeout
        waiting = threading.Thread(target=server.handle_request, daemon=True)
        waiting.start()
        open_browser(f"{base_url.rstrip('/')}/auth/authorize?{urlencode(query)}")
        waiting.join(timeout)
    answers: list[dict[str, list[str]]] = receiver.answers  # type: ignore[attr-defined]
    answer = {key: values[0] for key, values in answers[0].items()} if answers else {}
    if not secrets.compare_digest(answer.get("state", ""), state) or "code" not in answer:
        raise SignInFailed(answer.get("error_description") or answer.get("error") or "no answer")
    form = {
        "grant_type": "authorization_code",
        "code": answer["code"],
        "redirect_uri": redirect_uri,
        "code_verifier": verifier,
        "client_id": client_id,
    }
    with httpx.Client(
        base_url=base_url, transport=transport, event_hooks={"response": [raise_for_status]}
    ) as client:
        tokens = client.post(TOKEN_PATH, data=form).json()
    result = OAuthTokens(None, client={"client_id": client_id})
    result.store(tokens)
    return result

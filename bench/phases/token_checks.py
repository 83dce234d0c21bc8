"""What the verifier's check of one bearer token costs at steady state (both
cached), timed in this process: a JWT's beside a personal access token's.
The gateway's CPU per request (the wrk rows) carries far more than this;
this figure is the difference between the two, free of the machine's noise."""

from __future__ import annotations

import asyncio
import time

import httpx

CHECK_URL = "http://auth.bench/internal/personal-tokens/check"


def token_check_costs_us(calls: int) -> dict[str, float]:
    """CPU µs per `AccessTokenVerifier.verify` of a cached JWT and of a cached PAT."""
    from platform_common import personal_tokens
    from platform_common.personal_token_checks import PersonalTokenChecker
    from platform_common.testing.issuer import TokenIssuer
    from platform_common.tokens import AccessTokenVerifier, StaticKeys, parse_jwks

    issuer = TokenIssuer()
    now = int(time.time())
    answer = {"active": True, "sub": "bench", "scope": "notes:read", "jti": "pat-1", "ver": 0}
    answer |= {"iat": now, "exp": now + 3600}

    def auth_service(_: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=answer)

    async def timed() -> dict[str, float]:
        async with httpx.AsyncClient(transport=httpx.MockTransport(auth_service)) as http:
            verifier = AccessTokenVerifier(
                StaticKeys(parse_jwks(issuer.jwks())),
                issuer=issuer.issuer,
                audiences=[issuer.audience],
                personal_tokens=PersonalTokenChecker(CHECK_URL, http),
            )
            tokens = {"jwt": issuer.token("bench"), "pat": personal_tokens.new_token()}
            costs: dict[str, float] = {}
            for name, token in tokens.items():
                await verifier.verify(token, address="192.0.2.1")  # cached from here on
                started = time.process_time()
                for _ in range(calls):
                    await verifier.verify(token, address="192.0.2.1")
                costs[name] = round((time.process_time() - started) / calls * 1e6, 2)
            return costs

    return asyncio.run(timed())

"""The mixed workload's people: accounts, each with its own token, and its notes.

Person i is the owner of the seeded notes `md5(i::text)::uuid` (bench/data.py).
Their accounts are written into auth-service's table with SQL, each with the
bench account's password hash (one real hash, no 10,000 more), and each
token is signed with the running auth-service's own key (the key file it made
under the run's data folder) and the claims of a real login: what the gateway
and notes-service verify is what a login gives, through their real path
(JWKS, signature, claims, revocation list, verified-token cache).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from hashlib import md5
from pathlib import Path
from typing import Any

import asyncpg

from auth_service.oauth.keys import load_key_ring
from auth_service.security import AccessTokenSigner, verified_token_claims
from data import SEARCH_WORDS


@dataclass(frozen=True)
class Person:
    id: uuid.UUID
    token: str
    notes: list[int]


def person_id(number: int) -> uuid.UUID:
    """Person `number`'s id: `md5(number::text)::uuid`, as data.seed makes them."""
    return uuid.UUID(md5(str(number).encode(), usedforsecurity=False).hexdigest())


async def add_accounts(database_url: str, count: int, password_of: str) -> None:
    """Accounts for people 0..count-1 in auth-service's table, sharing `password_of`'s hash."""
    connection = await asyncpg.connect(database_url)
    try:
        await connection.execute(
            "INSERT INTO auth.users (id, email, hashed_password, is_active, is_superuser) "
            "SELECT md5(g::text)::uuid, 'person-' || g || '@bench.example', u.hashed_password, "
            "true, false FROM generate_series(0, $1 - 1) g, auth.users u WHERE u.email = $2 "
            "ON CONFLICT DO NOTHING",
            count,
            password_of,
        )
    finally:
        await connection.close()


async def notes_of(database_url: str, count: int) -> dict[uuid.UUID, list[int]]:
    """The ids of each person's notes (people 0..count-1 that have some)."""
    ids = [person_id(n) for n in range(count)]
    connection = await asyncpg.connect(database_url)
    try:
        rows = await connection.fetch(
            "SELECT owner_id, array_agg(id ORDER BY id) AS ids FROM notes.notes "
            "WHERE owner_id = ANY($1::uuid[]) GROUP BY owner_id",
            ids,
        )
    finally:
        await connection.close()
    return {row["owner_id"]: list(row["ids"]) for row in rows}


def access_token_signer(data_folder: Path, login_token: str) -> Callable[[uuid.UUID], str]:
    """Signs a person's access token as a password login does: auth-service's
    active key (from its data folder) and a real login token's issuer,
    audience, scope and lifetime; version 0 and a session id of its own."""
    claims: dict[str, Any] = verified_token_claims(login_token)
    signer = AccessTokenSigner(
        load_key_ring(data_folder / "auth-keys").active,
        issuer=claims["iss"],
        lifetime_seconds=int(claims["exp"]) - int(claims["iat"]),
    )
    audience = claims["aud"]

    def sign(subject: uuid.UUID) -> str:
        return str(
            signer.sign(
                subject=str(subject),
                audience=audience,
                scope=claims["scope"],
                version=0,
                session_id=uuid.uuid4(),
            )
        )

    return sign


# How each kind of token is made, by name. Personal access tokens (np_pat_...)
# join here once auth-service issues them: a kind of their own, given to a
# share of the people (see `people`).
TokenKind = Callable[[uuid.UUID], str]


def people(notes: dict[uuid.UUID, list[int]], kinds: dict[str, TokenKind]) -> list[Person]:
    """Each person with notes, with a token of the kinds in turn (one kind now)."""
    makers = list(kinds.values())
    return [
        Person(owner, makers[number % len(makers)](owner), ids)
        for number, (owner, ids) in enumerate(sorted(notes.items()))
    ]


def write_data_file(path: Path, everyone: list[Person]) -> Path:
    """bench/mixed.lua's data: the search words, then a line per person (token, note ids)."""
    lines = [" ".join(SEARCH_WORDS)]
    lines += [" ".join([p.token, *map(str, p.notes)]) for p in everyone]
    path.write_text("\n".join(lines) + "\n")
    return path

"""The data set, written with SQL straight into notes-service's table."""

from __future__ import annotations

import uuid

import asyncpg

from settings import Profile

SEARCH_WORDS = [
    "garden",
    "invoice",
    "meeting",
    "recipe",
    "travel",
    "budget",
    "music",
    "school",
    "doctor",
    "repair",
]


async def seed(database_url: str, owner: uuid.UUID, profile: Profile, total: int) -> None:
    """Fill the notes table up to `total` rows, `profile.user_notes` of them the bench user's."""
    connection = await asyncpg.connect(database_url)
    try:
        existing = await connection.fetchval("SELECT count(*) FROM notes.notes")
        mine = await connection.fetchval(
            "SELECT count(*) FROM notes.notes WHERE owner_id = $1", owner
        )
        if mine < profile.user_notes:
            await connection.execute(
                "INSERT INTO notes.notes (owner_id, title, description) "
                "SELECT $1, 'note ' || g, 'seeded note' FROM generate_series(1, $2) g",
                owner,
                profile.user_notes - mine,
            )
            existing += profile.user_notes - mine
        if existing < total:
            # Other users' notes, spread over `profile.users` owners
            # (md5(i::text)::uuid: the mixed workload's people, bench/people.py).
            # An owner's k-th note has word k % 10 in its title and word
            # k / 10 % 10 in its description: a word finds ~19 of 100 notes.
            await connection.execute(
                "INSERT INTO notes.notes (owner_id, title, description) "
                "SELECT md5((g % $1)::text)::uuid, "
                "'note ' || g || ' ' || ($3::text[])[(g / $1) % 10 + 1], "
                "'someone else, ' || ($3::text[])[(g / $1 / 10) % 10 + 1] "
                "FROM generate_series(1, $2) g",
                profile.users,
                total - existing,
                SEARCH_WORDS,
            )
        # As autovacuum would have by then: statistics and the visibility map
        # (which lets the count use an index-only scan).
        await connection.execute("VACUUM ANALYZE notes.notes")
    finally:
        await connection.close()


async def seed_big_owner(database_url: str, owner: uuid.UUID, count: int) -> None:
    """`count` notes of one owner (10x the bench user's), with words to search for."""
    connection = await asyncpg.connect(database_url)
    try:
        await connection.execute(
            "INSERT INTO notes.notes (owner_id, title, description, created_date, updated_date) "
            "SELECT $1, 'n' || g || ' ' || ($3::text[])[g % 10 + 1], "
            "'about ' || ($3::text[])[(g / 10) % 10 + 1], "
            "now() - make_interval(secs => g), now() - make_interval(secs => (g * 7919) % $2) "
            "FROM generate_series(1, $2) g",
            owner,
            count,
            SEARCH_WORDS,
        )
        await connection.execute("VACUUM ANALYZE notes.notes")
    finally:
        await connection.close()

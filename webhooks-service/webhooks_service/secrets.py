"""Endpoint signing secrets and the Standard Webhooks signature header.

A secret is `whsec_` and the base64 of 32 random bytes (the form the
`standardwebhooks` libraries read). The signature itself is the library's:
`v1,<base64 HMAC-SHA256 of "<webhook-id>.<webhook-timestamp>.<body>">`;
during a rotation's overlap the header carries one per secret, space
separated, which receivers holding either secret accept.
"""

import base64
import secrets as random
from collections.abc import Sequence
from datetime import datetime

from standardwebhooks.webhooks import Webhook

PREFIX = "whsec_"
SECRET_BYTES = 32


def new_secret() -> str:
    return PREFIX + base64.b64encode(random.token_bytes(SECRET_BYTES)).decode("ascii")


def signature_header(
    secrets: Sequence[str], *, message_id: str, timestamp: datetime, body: str
) -> str:
    """`webhook-signature`: one `v1,...` per secret."""
    return " ".join(Webhook(secret).sign(message_id, timestamp, body) for secret in secrets)

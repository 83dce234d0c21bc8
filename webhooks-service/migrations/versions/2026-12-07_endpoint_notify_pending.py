"""endpoints: an owner's notice pending (endpoints.notify_pending)

Set with the disabling of an endpoint by the service (a 410, or failing for
WEBHOOKS_DISABLE_AFTER_SECONDS); housekeeping mails the owner through
auth-service and clears it. A partial index finds the few pending ones.

Expand only (docs/migrations.md): a NOT NULL column with a constant default is
a change of the catalog alone (no rewrite), and the previous release, which
never names it, keeps working beside it.
"""

import sqlalchemy as sa
from alembic import op

from platform_common import migration_helpers as helpers

revision: str = "c2f6a8d41e73"
down_revision: str | None = "7b3e5d1a9c42"

SCHEMA = "webhooks"


def upgrade() -> None:
    helpers.add_defaulted_column(
        "endpoints", "notify_pending", sa.Boolean(), sa.false(), schema=SCHEMA, if_not_exists=True
    )
    helpers.create_index_concurrently(
        "ix_endpoints_notify_pending",
        "endpoints",
        ["id"],
        schema=SCHEMA,
        where="notify_pending",
    )


def downgrade() -> None:
    helpers.drop_index_concurrently("ix_endpoints_notify_pending", "endpoints", schema=SCHEMA)
    op.drop_column("endpoints", "notify_pending", schema=SCHEMA, if_exists=True)

#!/bin/sh
# Two login roles per service, each service confined to the schema of its own
# name. The official postgres image runs this once, when it initialises an
# empty data volume (/docker-entrypoint-initdb.d); on a managed server, run it
# once by hand with the same variables (see deploy/README.md).
#
#   <service>_migration  owns the schema: Alembic runs as it (compose's
#                        *-migrate steps, the Kubernetes Jobs)
#   <service>            what the service runs as: USAGE on the schema and
#                        SELECT/INSERT/UPDATE/DELETE on its tables and
#                        sequences, granted by the owner through default
#                        privileges; it can neither create, alter, drop nor
#                        truncate anything, so an injected statement cannot
#                        change the schema or empty a table at once.
#
#   POSTGRES_USER, POSTGRES_DB            the administrator and the database
#   AUTH_DB_PASSWORD, NOTES_DB_PASSWORD,
#   WEBHOOKS_DB_PASSWORD                  the runtime roles' passwords (required)
#   AUTH_MIGRATION_DB_PASSWORD,
#   NOTES_MIGRATION_DB_PASSWORD,
#   WEBHOOKS_MIGRATION_DB_PASSWORD        the migration roles' (required, different)
#   AUTH_DB_USER, NOTES_DB_USER,
#   WEBHOOKS_DB_USER                      runtime role names, `auth`, `notes`, `webhooks`
#   AUTH_MIGRATION_DB_USER,
#   NOTES_MIGRATION_DB_USER,
#   WEBHOOKS_MIGRATION_DB_USER            `auth_migration`, `notes_migration`, `webhooks_migration`
#   BACKUP_DB_PASSWORD, BACKUP_DB_USER    optional: a role for backups, which
#                                         reads every table (`platform_backup`)
set -e

: "${AUTH_DB_PASSWORD:?set AUTH_DB_PASSWORD}"
: "${NOTES_DB_PASSWORD:?set NOTES_DB_PASSWORD}"
: "${AUTH_MIGRATION_DB_PASSWORD:?set AUTH_MIGRATION_DB_PASSWORD}"
: "${NOTES_MIGRATION_DB_PASSWORD:?set NOTES_MIGRATION_DB_PASSWORD}"
: "${WEBHOOKS_DB_PASSWORD:?set WEBHOOKS_DB_PASSWORD}"
: "${WEBHOOKS_MIGRATION_DB_PASSWORD:?set WEBHOOKS_MIGRATION_DB_PASSWORD}"
# A leaked runtime credential must not be the one that can change the schema.
if [ "$AUTH_MIGRATION_DB_PASSWORD" = "$AUTH_DB_PASSWORD" ]; then
    echo "AUTH_MIGRATION_DB_PASSWORD must differ from AUTH_DB_PASSWORD" >&2
    exit 1
fi
if [ "$NOTES_MIGRATION_DB_PASSWORD" = "$NOTES_DB_PASSWORD" ]; then
    echo "NOTES_MIGRATION_DB_PASSWORD must differ from NOTES_DB_PASSWORD" >&2
    exit 1
fi
if [ "$WEBHOOKS_MIGRATION_DB_PASSWORD" = "$WEBHOOKS_DB_PASSWORD" ]; then
    echo "WEBHOOKS_MIGRATION_DB_PASSWORD must differ from WEBHOOKS_DB_PASSWORD" >&2
    exit 1
fi

run_psql() {
    psql -v ON_ERROR_STOP=1 --no-psqlrc \
        --username "${POSTGRES_USER:-postgres}" --dbname "${POSTGRES_DB:-postgres}" \
        -v dbname="${POSTGRES_DB:-postgres}" "$@"
}

# One schema, its owner (the migration role) and its runtime role:
#   schema_roles SCHEMA OWNER OWNER_PASSWORD RUNTIME RUNTIME_PASSWORD
schema_roles() {
    run_psql -v schema="$1" -v owner="$2" -v owner_password="$3" \
        -v runtime="$4" -v runtime_password="$5" <<'SQL'
CREATE ROLE :"owner" LOGIN PASSWORD :'owner_password';
CREATE ROLE :"runtime" LOGIN PASSWORD :'runtime_password';
CREATE SCHEMA :"schema" AUTHORIZATION :"owner";
ALTER ROLE :"owner" SET search_path = :"schema";
ALTER ROLE :"runtime" SET search_path = :"schema";
GRANT USAGE ON SCHEMA :"schema" TO :"runtime";
-- Every table and sequence the migration role creates in the schema from now on.
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA :"schema"
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO :"runtime";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA :"schema"
    GRANT USAGE, SELECT ON SEQUENCES TO :"runtime";
SQL
}

run_psql <<'SQL'
-- Nobody connects, creates schemas or temporary tables unless granted below;
-- nothing below grants CREATE or TEMP on the database (the migrations create
-- their schema only when it is missing, and here it never is).
REVOKE ALL ON DATABASE :"dbname" FROM PUBLIC;
REVOKE ALL ON SCHEMA public FROM PUBLIC;
SQL

auth_owner="${AUTH_MIGRATION_DB_USER:-auth_migration}"
auth_user="${AUTH_DB_USER:-auth}"
notes_owner="${NOTES_MIGRATION_DB_USER:-notes_migration}"
notes_user="${NOTES_DB_USER:-notes}"
webhooks_owner="${WEBHOOKS_MIGRATION_DB_USER:-webhooks_migration}"
webhooks_user="${WEBHOOKS_DB_USER:-webhooks}"
schema_roles auth "$auth_owner" "$AUTH_MIGRATION_DB_PASSWORD" "$auth_user" "$AUTH_DB_PASSWORD"
schema_roles notes "$notes_owner" "$NOTES_MIGRATION_DB_PASSWORD" "$notes_user" "$NOTES_DB_PASSWORD"
schema_roles webhooks "$webhooks_owner" "$WEBHOOKS_MIGRATION_DB_PASSWORD" \
    "$webhooks_user" "$WEBHOOKS_DB_PASSWORD"

run_psql -v auth_owner="$auth_owner" -v auth_user="$auth_user" \
    -v notes_owner="$notes_owner" -v notes_user="$notes_user" \
    -v webhooks_owner="$webhooks_owner" -v webhooks_user="$webhooks_user" <<'SQL'
GRANT CONNECT ON DATABASE :"dbname"
    TO :"auth_owner", :"auth_user", :"notes_owner", :"notes_user",
       :"webhooks_owner", :"webhooks_user";
SQL

# Optional: the backups' role (the database-backup CronJob, `make backup`):
# reads every table (pg_read_all_data, Postgres 14+), writes none, owns nothing.
if [ -n "${BACKUP_DB_PASSWORD:-}" ]; then
    run_psql -v backup="${BACKUP_DB_USER:-platform_backup}" \
        -v backup_password="$BACKUP_DB_PASSWORD" <<'SQL'
CREATE ROLE :"backup" LOGIN PASSWORD :'backup_password' IN ROLE pg_read_all_data;
GRANT CONNECT ON DATABASE :"dbname" TO :"backup";
SQL
fi

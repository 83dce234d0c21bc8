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
#   AUTH_DB_PASSWORD, NOTES_DB_PASSWORD   the runtime roles' passwords (required)
#   AUTH_MIGRATION_DB_PASSWORD,
#   NOTES_MIGRATION_DB_PASSWORD           the migration roles' (required, different)
#   AUTH_DB_USER, NOTES_DB_USER           runtime role names, `auth` and `notes`
#   AUTH_MIGRATION_DB_USER,
#   NOTES_MIGRATION_DB_USER               `auth_migration` and `notes_migration`
set -e

: "${AUTH_DB_PASSWORD:?set AUTH_DB_PASSWORD}"
: "${NOTES_DB_PASSWORD:?set NOTES_DB_PASSWORD}"
: "${AUTH_MIGRATION_DB_PASSWORD:?set AUTH_MIGRATION_DB_PASSWORD}"
: "${NOTES_MIGRATION_DB_PASSWORD:?set NOTES_MIGRATION_DB_PASSWORD}"
# A leaked runtime credential must not be the one that can change the schema.
if [ "$AUTH_MIGRATION_DB_PASSWORD" = "$AUTH_DB_PASSWORD" ]; then
    echo "AUTH_MIGRATION_DB_PASSWORD must differ from AUTH_DB_PASSWORD" >&2
    exit 1
fi
if [ "$NOTES_MIGRATION_DB_PASSWORD" = "$NOTES_DB_PASSWORD" ]; then
    echo "NOTES_MIGRATION_DB_PASSWORD must differ from NOTES_DB_PASSWORD" >&2
    exit 1
fi

psql -v ON_ERROR_STOP=1 --no-psqlrc \
    --username "${POSTGRES_USER:-postgres}" --dbname "${POSTGRES_DB:-postgres}" \
    -v dbname="${POSTGRES_DB:-postgres}" \
    -v auth_user="${AUTH_DB_USER:-auth}" -v auth_password="$AUTH_DB_PASSWORD" \
    -v auth_owner="${AUTH_MIGRATION_DB_USER:-auth_migration}" \
    -v auth_owner_password="$AUTH_MIGRATION_DB_PASSWORD" \
    -v notes_user="${NOTES_DB_USER:-notes}" -v notes_password="$NOTES_DB_PASSWORD" \
    -v notes_owner="${NOTES_MIGRATION_DB_USER:-notes_migration}" \
    -v notes_owner_password="$NOTES_MIGRATION_DB_PASSWORD" <<'SQL'
-- Nobody connects, creates schemas or temporary tables unless granted below;
-- nothing below grants CREATE or TEMP on the database (the migrations create
-- their schema only when it is missing, and here it never is).
REVOKE ALL ON DATABASE :"dbname" FROM PUBLIC;
REVOKE ALL ON SCHEMA public FROM PUBLIC;

CREATE ROLE :"auth_owner" LOGIN PASSWORD :'auth_owner_password';
CREATE ROLE :"auth_user" LOGIN PASSWORD :'auth_password';
CREATE SCHEMA auth AUTHORIZATION :"auth_owner";
ALTER ROLE :"auth_owner" SET search_path = auth;
ALTER ROLE :"auth_user" SET search_path = auth;
GRANT USAGE ON SCHEMA auth TO :"auth_user";
-- Every table and sequence the migration role creates in the schema from now on.
ALTER DEFAULT PRIVILEGES FOR ROLE :"auth_owner" IN SCHEMA auth
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO :"auth_user";
ALTER DEFAULT PRIVILEGES FOR ROLE :"auth_owner" IN SCHEMA auth
    GRANT USAGE, SELECT ON SEQUENCES TO :"auth_user";

CREATE ROLE :"notes_owner" LOGIN PASSWORD :'notes_owner_password';
CREATE ROLE :"notes_user" LOGIN PASSWORD :'notes_password';
CREATE SCHEMA notes AUTHORIZATION :"notes_owner";
ALTER ROLE :"notes_owner" SET search_path = notes;
ALTER ROLE :"notes_user" SET search_path = notes;
GRANT USAGE ON SCHEMA notes TO :"notes_user";
ALTER DEFAULT PRIVILEGES FOR ROLE :"notes_owner" IN SCHEMA notes
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO :"notes_user";
ALTER DEFAULT PRIVILEGES FOR ROLE :"notes_owner" IN SCHEMA notes
    GRANT USAGE, SELECT ON SEQUENCES TO :"notes_user";

GRANT CONNECT ON DATABASE :"dbname"
    TO :"auth_owner", :"auth_user", :"notes_owner", :"notes_user";
SQL

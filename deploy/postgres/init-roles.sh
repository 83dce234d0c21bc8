#!/bin/sh
# One login role per service, each owning the schema of its own name and
# reaching nothing else. The official postgres image runs this once, when it
# initialises an empty data volume (/docker-entrypoint-initdb.d); on a managed
# server, run it once by hand with the same variables (see deploy/README.md).
#
#   POSTGRES_USER, POSTGRES_DB          the administrator and the database
#   AUTH_DB_PASSWORD, NOTES_DB_PASSWORD the services' passwords (required)
#   AUTH_DB_USER, NOTES_DB_USER         role names, `auth` and `notes` by default
set -e

: "${AUTH_DB_PASSWORD:?set AUTH_DB_PASSWORD}"
: "${NOTES_DB_PASSWORD:?set NOTES_DB_PASSWORD}"

psql -v ON_ERROR_STOP=1 --no-psqlrc \
    --username "${POSTGRES_USER:-postgres}" --dbname "${POSTGRES_DB:-postgres}" \
    -v dbname="${POSTGRES_DB:-postgres}" \
    -v auth_user="${AUTH_DB_USER:-auth}" -v auth_password="$AUTH_DB_PASSWORD" \
    -v notes_user="${NOTES_DB_USER:-notes}" -v notes_password="$NOTES_DB_PASSWORD" <<'SQL'
-- Nobody connects or creates anything unless granted below.
REVOKE ALL ON DATABASE :"dbname" FROM PUBLIC;
REVOKE ALL ON SCHEMA public FROM PUBLIC;

CREATE ROLE :"auth_user" LOGIN PASSWORD :'auth_password';
CREATE SCHEMA auth AUTHORIZATION :"auth_user";
ALTER ROLE :"auth_user" SET search_path = auth;

CREATE ROLE :"notes_user" LOGIN PASSWORD :'notes_password';
CREATE SCHEMA notes AUTHORIZATION :"notes_user";
ALTER ROLE :"notes_user" SET search_path = notes;

-- CREATE on the database is needed only because each service's Alembic
-- environment (platform_common.database.run_migrations) issues
-- `CREATE SCHEMA IF NOT EXISTS`, which Postgres checks against this privilege
-- even when the schema exists. It lets a role create new, empty schemas; it
-- gives no access to the other service's schema.
GRANT CONNECT, CREATE ON DATABASE :"dbname" TO :"auth_user", :"notes_user";
SQL

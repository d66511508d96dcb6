#!/bin/sh
# The portal's two database roles, made once, when the database volume is first initialised
# (the postgres image runs /docker-entrypoint-initdb.d as the cluster superuser, POSTGRES_USER,
# which no portal service uses afterwards). On an existing volume, run the same SQL by hand.
#
# * ozgeris_owner owns the database and, through the migrations, every table: the migrate
#   service (and seed_demo) connect as it.
# * ozgeris_app is the runtime role of web, worker and beat. It owns nothing, so it can neither
#   switch off nor drop the vote's triggers; `manage.py grant_runtime_role` (run by the migrate
#   service) gives it DML on the tables, SELECT and INSERT only on the vote's insert-only ones,
#   and no TRUNCATE (ozgeris/dbroles.py).
set -eu

psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
    -v db="$POSTGRES_DB" \
    -v owner_password="$OZGERIS_OWNER_PASSWORD" \
    -v app_password="$OZGERIS_APP_PASSWORD" <<'SQL'
CREATE ROLE ozgeris_owner LOGIN PASSWORD :'owner_password' NOSUPERUSER NOCREATEDB NOCREATEROLE;
CREATE ROLE ozgeris_app LOGIN PASSWORD :'app_password' NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT;
ALTER DATABASE :"db" OWNER TO ozgeris_owner;
-- The owner alone creates tables (PostgreSQL 15 already owns public by the database's owner).
ALTER SCHEMA public OWNER TO ozgeris_owner;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
-- Only roles granted CONNECT reach it: the owner, and the runtime role by grant_runtime_role.
REVOKE ALL ON DATABASE :"db" FROM PUBLIC;
SQL

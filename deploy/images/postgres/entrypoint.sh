#!/bin/sh
# Initialises the cluster on first start (database and owner from POSTGRES_*), then runs postgres.
set -eu
bin=/usr/lib/postgresql/15/bin
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  if [ -n "${POSTGRES_PASSWORD_FILE:-}" ]; then POSTGRES_PASSWORD="$(cat "$POSTGRES_PASSWORD_FILE")"; fi
  : "${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD or POSTGRES_PASSWORD_FILE}"
  db="${POSTGRES_DB:-cohort}"
  user="${POSTGRES_USER:-cohort}"
  # Local socket connections (this container only) trust; TCP needs the password.
  "$bin/initdb" -D "$PGDATA" -U postgres --encoding=UTF8 --locale=C.UTF-8 \
    --auth-local=trust --auth-host=scram-sha-256 >/dev/null
  "$bin/pg_ctl" -D "$PGDATA" -w -o "-c listen_addresses='' -c unix_socket_directories=/tmp" start >/dev/null
  escaped="$(printf '%s' "$POSTGRES_PASSWORD" | sed "s/'/''/g")"
  "$bin/psql" -h /tmp -U postgres -v ON_ERROR_STOP=1 -q <<SQL
CREATE ROLE "$user" LOGIN PASSWORD '$escaped';
CREATE DATABASE "$db" OWNER "$user";
SQL
  "$bin/pg_ctl" -D "$PGDATA" -w stop >/dev/null
  echo "cohort-postgres: created database $db owned by $user"
fi
exec "$bin/postgres" -D "$PGDATA" -c listen_addresses="$PGLISTEN" -c port="$PGPORT" \
  -c unix_socket_directories=/tmp -c max_connections="${PGMAXCONNECTIONS:-200}"

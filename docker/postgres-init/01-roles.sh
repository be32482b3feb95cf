#!/bin/bash
# Runs once, when the postgres container first creates its data directory (docker-entrypoint-initdb.d).
# Two roles, neither a superuser: probation_owner owns the database and its tables (migrations run as it);
# probation_app is what web, worker and beat connect as: it owns nothing, and `manage.py migrate` grants it
# SELECT/INSERT/UPDATE/DELETE on every table (INSERT and SELECT only on the audit log) through DATABASE_APP_ROLE.
set -euo pipefail
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  -v owner_password="$PROBATION_OWNER_PASSWORD" -v app_password="$PROBATION_APP_PASSWORD" <<'SQL'
CREATE ROLE probation_owner LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'owner_password';
CREATE ROLE probation_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT PASSWORD :'app_password';
CREATE DATABASE probation OWNER probation_owner;
REVOKE ALL ON DATABASE probation FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE probation TO probation_app;
SQL

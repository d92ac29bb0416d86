#!/usr/bin/env bash
set -euo pipefail
# Run by the test setup (test/global-setup.ts) when PostgreSQL is not reachable.
# PostgreSQL for the key-store tests, which fail (never skip) without it. With
# LLM_EXTPROC_TEST_PG_URL set, that server is used as it is. Otherwise the tests use
# postgres://postgres@127.0.0.1:5432/test: a local server is started when it is installed but
# not running, installed with apt-get when absent, given trust auth for 127.0.0.1 when a
# password-less connection is refused, and the `test` database is created when missing.
as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else sudo -u postgres "$@"; fi
}
as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}
ensure_postgres() {
  if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
    if [ ! -d /etc/postgresql ] || [ -z "$(ls /etc/postgresql)" ]; then
      echo "installing PostgreSQL for the key-store tests" >&2
      as_root apt-get update -qq
      as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    fi
    version=$(ls /etc/postgresql | sort -V | tail -n 1)
    as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
    for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
  fi
  if ! psql -h 127.0.0.1 -U postgres -d postgres -Atqc 'SELECT 1' >/dev/null 2>&1; then
    version=$(ls /etc/postgresql | sort -V | tail -n 1)
    hba="/etc/postgresql/$version/main/pg_hba.conf"
    as_root sed -i '1i host all postgres 127.0.0.1/32 trust' "$hba"
    as_postgres psql -Atqc 'SELECT pg_reload_conf()' >/dev/null
  fi
  if [ "$(psql -h 127.0.0.1 -U postgres -d postgres -Atqc "SELECT 1 FROM pg_database WHERE datname = 'test'")" != 1 ]; then
    psql -h 127.0.0.1 -U postgres -d postgres -qc 'CREATE DATABASE test'
  fi
}
ensure_postgres


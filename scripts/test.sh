#!/usr/bin/env bash
# Runs the whole test suite: starts a throwaway PostgreSQL (moto_server is
# started by the Go tests themselves, one per package), then go test with the
# race detector on the core packages and without it on the rest.
set -euo pipefail
cd "$(dirname "$0")/.."
export GOFLAGS="${GOFLAGS:--buildvcs=false}"

need() { command -v "$1" >/dev/null 2>&1; }
if ! need go; then echo "test.sh: Go is required (https://go.dev/dl)"; exit 1; fi
if ! need moto_server; then
  echo "test.sh: moto_server not found; installing moto[server]==5.2.1 with pip"
  pip install 'moto[server]==5.2.1' >/dev/null
fi
if ! need initdb || ! need pg_ctl; then
  echo "test.sh: PostgreSQL not found; installing it with apt-get"
  (apt-get update -qq && apt-get install -y -qq postgresql >/dev/null) || true
  export PATH="$PATH:$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | tail -1)"
fi

# The portal's browser test: Debian's chromium and playwright-core (no
# browser download); with CI=true the test fails rather than skip without them.
if ! need chromium; then
  echo "test.sh: chromium not found; installing Debian's chromium with apt-get"
  (apt-get update -qq && apt-get install -y -qq chromium >/dev/null) || true
fi
if need npm; then
  (cd web/portal/e2e && npm ci --no-audit --no-fund --silent) || echo "test.sh: npm ci in web/portal/e2e failed"
fi

go mod download

PGDIR="$(mktemp -d /tmp/stint-pg.XXXXXX)"
cleanup() { scripts/pgtest.sh stop "$PGDIR" >/dev/null 2>&1 || true; rm -rf "$PGDIR"; }
trap cleanup EXIT
eval "$(scripts/pgtest.sh start "$PGDIR")"
export STINT_TEST_POSTGRES

MOD="$(go list -m)"
CORE_RE="^${MOD}(/access|/jobs|/store/.*|/config)?$"
mapfile -t CORE < <(go list ./... | grep -E "$CORE_RE")
mapfile -t REST < <(go list ./... | grep -vE "$CORE_RE")
echo "== go test -race (core packages)"
go test -race -count=1 -timeout 15m "${CORE[@]}"
echo "== go test (the other packages)"
go test -count=1 -timeout 20m "${REST[@]}"

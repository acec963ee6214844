#!/usr/bin/env bash
# make bench: starts a throwaway PostgreSQL, then runs the benchmarks, which
# start their own moto_server and print figures and ratios.
set -euo pipefail
cd "$(dirname "$0")/.."
export GOFLAGS="${GOFLAGS:--buildvcs=false}"
PGDIR="$(mktemp -d /tmp/stint-pg.XXXXXX)"
cleanup() { scripts/pgtest.sh stop "$PGDIR" >/dev/null 2>&1 || true; rm -rf "$PGDIR"; }
trap cleanup EXIT
eval "$(scripts/pgtest.sh start "$PGDIR")"
STINT_BENCH_POSTGRES="$STINT_TEST_POSTGRES" go run ./bench "$@"

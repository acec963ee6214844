#!/usr/bin/env bash
# make demo: runs stint against a local moto_server with a sample organisation.
set -euo pipefail
cd "$(dirname "$0")/.."
export GOFLAGS="${GOFLAGS:--buildvcs=false}"
if ! command -v moto_server >/dev/null 2>&1; then
  echo "demo: moto_server not found; installing moto[server]==5.2.1 with pip"
  pip install 'moto[server]==5.2.1' >/dev/null
fi
go build -o bin/stint ./cmd/stint
exec go run ./cmd/stint-demo -dir .demo -bin bin/stint "$@"

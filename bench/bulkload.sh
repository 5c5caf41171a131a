#!/usr/bin/env bash
# Loads users with three inline policies each through iamd's API at
# concurrency 8 with bench/bulkload (each call signed as it is sent; the
# same client against a floor first), on a fresh data directory, and
# prints the wall time, CPU per call, iamd's RSS and its commits.
#   USERS=100000 [FLOOR_USERS=20000] [IAMD_BIN=path] ./bench/bulkload.sh
set -euo pipefail
cd "$(dirname "$0")/.."
USERS=${USERS:-100000}
mkdir -p bin
IAMD_BIN=${IAMD_BIN:-bin/iamd}
[ "$IAMD_BIN" = bin/iamd ] && go build -o bin/iamd ./cmd/iamd
go build -o bin/bulkload ./bench/bulkload
data=$(mktemp -d)
trap 'kill $IAMD 2>/dev/null || true; rm -rf "$data"' EXIT
IAMD_ROOT_ACCESS_KEY_ID=BENCHKEY IAMD_ROOT_SECRET_ACCESS_KEY=BENCHSECRET \
  "$IAMD_BIN" serve --addr 127.0.0.1:4297 --data "$data" --account-id 123456789012 \
  --quota-users 1000000 --log-level warn > "$data/serve.log" 2>&1 &
IAMD=$!
until curl -sf http://127.0.0.1:4297/readyz >/dev/null; do sleep 0.05; done
echo "load $(cut -d' ' -f1-3 /proc/loadavg)"
bin/bulkload -endpoint http://127.0.0.1:4297 -access-key BENCHKEY -secret-key BENCHSECRET \
  -users "$USERS" -floor-users "${FLOOR_USERS:-20000}" -pid $IAMD -c 8
curl -s http://127.0.0.1:4297/metrics | grep -E '^iamd_store_commit'

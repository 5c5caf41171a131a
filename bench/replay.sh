#!/usr/bin/env bash
# Measures iamd's request path over loopback HTTP with one signed request
# per scenario replayed (bench/replay), each against a floor that answers
# the same bytes in the same run: GetUser by root and by a policy-checked
# user, GetRole, ListUsers of 1,000, the authorize endpoint and a durable
# CreateUser+DeleteUser pair, at concurrency 1 and 8.
#   DUR=2s ROUNDS=3 C=1,8 [ONLY=name] [IAMD_BIN=path] ./bench/replay.sh
set -euo pipefail
cd "$(dirname "$0")/.."
DUR=${DUR:-2s}
ROUNDS=${ROUNDS:-3}
C=${C:-1,8}
OUT=bench/results
mkdir -p "$OUT" bin
# IAMD_BIN measures another build (a baseline) with this client.
IAMD_BIN=${IAMD_BIN:-bin/iamd}
[ "$IAMD_BIN" = bin/iamd ] && go build -o bin/iamd ./cmd/iamd
go build -o bin/replay ./bench/replay

data=$(mktemp -d)
trap 'kill $IAMD 2>/dev/null || true; rm -rf "$data"' EXIT
IAMD_ROOT_ACCESS_KEY_ID=BENCHKEY IAMD_ROOT_SECRET_ACCESS_KEY=BENCHSECRET \
  "$IAMD_BIN" serve --addr 127.0.0.1:4298 --data "$data" --account-id 123456789012 \
  --log-level warn ${IAMD_FLAGS:-} > "$OUT/replay-iamd.log" 2>&1 &
IAMD=$!
until curl -sf http://127.0.0.1:4298/readyz >/dev/null; do sleep 0.05; done
bin/replay -endpoint http://127.0.0.1:4298 -access-key BENCHKEY -secret-key BENCHSECRET \
  -pid $IAMD -c "$C" -dur "$DUR" -rounds "$ROUNDS" ${ONLY:+-only "$ONLY"} | tee "$OUT/replay.txt"

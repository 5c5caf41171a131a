#!/usr/bin/env bash
# Measures the IAM API of iamd and of moto_server in one run, with the
# project's aws-sdk-go-v2 driver (shared/bench/peers/cmd/apibench):
# GetUser and CreateUser+DeleteUser at concurrency 1 and 8, ListUsers of
# 1,000 users per page, then a bulk load of users with three inline
# policies each, and the server's RSS.
#   DUR=10s LOAD_USERS=100000 ./bench/api.sh      (SKIP_MOTO=1 to skip moto)
set -euo pipefail
cd "$(dirname "$0")/.."
PEERS=${PEERS:-../shared/bench/peers}
DUR=${DUR:-10s}
LOAD_USERS=${LOAD_USERS:-100000}
OUT=bench/results
mkdir -p "$OUT" bin
go build -o bin/iamd ./cmd/iamd
(cd "$PEERS" && go build -o "$OLDPWD/bin/apibench" ./cmd/apibench)

# What the SDK client alone costs, in the same run: the ceiling for both.
go run ./bench/clientfloor -dur "$DUR" | tee "$OUT/api-clientfloor.txt"

data=$(mktemp -d)
trap 'kill $IAMD ${MOTO:-} 2>/dev/null || true; rm -rf "$data"' EXIT
IAMD_ROOT_ACCESS_KEY_ID=BENCHKEY IAMD_ROOT_SECRET_ACCESS_KEY=BENCHSECRET \
  bin/iamd serve --addr 127.0.0.1:4299 --data "$data" --account-id 123456789012 \
  --quota-users 1000000 --log-level warn > "$OUT/iamd.log" 2>&1 &
IAMD=$!
until curl -sf http://127.0.0.1:4299/readyz >/dev/null; do sleep 0.05; done
BENCH_ACCESS_KEY_ID=BENCHKEY BENCH_SECRET_ACCESS_KEY=BENCHSECRET bin/apibench \
  -endpoint http://127.0.0.1:4299 -pid $IAMD -dur "$DUR" -load-users "$LOAD_USERS" -load-budget 5m \
  -policies bench/inline-policies.json -out "$OUT/api-iamd.json" | tee "$OUT/api-iamd.txt"
kill $IAMD

[ -n "${SKIP_MOTO:-}" ] && exit 0
python3 -m moto.server -H 127.0.0.1 -p 5055 > "$OUT/moto.log" 2>&1 &
MOTO=$!
until curl -s -o /dev/null http://127.0.0.1:5055/moto-api/; do sleep 0.2; done
bin/apibench -endpoint http://127.0.0.1:5055 -pid $MOTO -dur "$DUR" -load-users "$LOAD_USERS" -load-budget 2m \
  -policies bench/inline-policies.json -out "$OUT/api-moto.json" | tee "$OUT/api-moto.txt"

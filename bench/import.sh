#!/usr/bin/env bash
# The bulk load: N users with three inline policies each (the workload of bench/api.sh), with
# the machine's load and each process's peak RSS (/usr/bin/time -v).
#   offline   iamd import --data: the IAM operations in process on the store (the bulk path)
#   endpoint  iamd import --endpoint-url --parallel 32 against a running iamd serve (the API path;
#             RSS of the importing client and of the server)
#   base-api  BASE's iamd import --data --parallel 32 (a build of main, whose --data went through
#             an in-process server over HTTP), when BASE names a binary
# ROUNDS rounds, alternating the builds within each round.
#   USERS=100000 ROUNDS=2 BASE=/tmp/base/iamd ./bench/import.sh
set -euo pipefail
USERS=${USERS:-100000}
ROUNDS=${ROUNDS:-1}
BASE=${BASE:-}
ENDPOINT=${ENDPOINT:-1} # 0 skips the endpoint run (as slow as base-api)
OUT=${OUT:-$(mktemp -d)}
go build -o "$OUT/iamd" ./cmd/iamd
[ -s "$OUT/load.json" ] || bench/import-dump.py "$USERS" >"$OUT/load.json"
common=(--account-id 111122223333 --quota-users 1000000)
figures() { # time-file
  grep -E "Elapsed|Maximum resident" "$1" | sed 's/^\s*/    /'
}
run() { # name binary args...
  local name=$1 bin=$2
  shift 2
  rm -rf "$OUT/data-$name"
  echo "== $name: $(uptime)"
  /usr/bin/time -v "$bin" import "$OUT/load.json" "$@" 2>"$OUT/time-$name.txt" | sed 's/^/    /'
  figures "$OUT/time-$name.txt"
}
endpoint() { # name
  local name=$1 port=$((20000 + RANDOM % 20000))
  rm -rf "$OUT/data-$name"
  echo "== $name: $(uptime)"
  IAMD_ROOT_ACCESS_KEY_ID=AKIAIMPORTBENCH00001 IAMD_ROOT_SECRET_ACCESS_KEY=bench-secret-bench-secret-bench-secret-0 \
    /usr/bin/time -v "$OUT/iamd" serve --data "$OUT/data-$name" --addr "127.0.0.1:$port" "${common[@]}" --audit-log off \
    >/dev/null 2>"$OUT/time-$name-server.txt" &
  local server=$!
  until curl -sf "http://127.0.0.1:$port/healthz" >/dev/null; do sleep 0.1; done
  AWS_ACCESS_KEY_ID=AKIAIMPORTBENCH00001 AWS_SECRET_ACCESS_KEY=bench-secret-bench-secret-bench-secret-0 AWS_REGION=us-east-1 \
    /usr/bin/time -v "$OUT/iamd" import "$OUT/load.json" --endpoint-url "http://127.0.0.1:$port" --parallel 32 \
    2>"$OUT/time-$name.txt" | sed 's/^/    /'
  kill -TERM "$(pgrep -P "$server" iamd)" 2>/dev/null || true
  wait "$server" || true
  echo "  client:"
  figures "$OUT/time-$name.txt"
  echo "  server:"
  grep -E "Maximum resident" "$OUT/time-$name-server.txt" | sed 's/^\s*/    /'
}
for round in $(seq "$ROUNDS"); do
  echo "#### round $round"
  [ -z "$BASE" ] || run "base-api-$round" "$BASE" --data "$OUT/data-base-api-$round" "${common[@]}" --parallel 32
  run "offline-$round" "$OUT/iamd" --data "$OUT/data-offline-$round" "${common[@]}"
  [ "$ENDPOINT" = 0 ] || [ "$round" != 1 ] || endpoint "endpoint-$round"
done
echo "== done: $(uptime)"

#!/usr/bin/env bash
# The bulk load through `iamd import --data`: N users with three inline policies each (the
# workload of bench/api.sh), at --parallel 1 (one call at a time, a durable commit each) and at
# the default, with the machine's load and the process's peak RSS (/usr/bin/time -v).
#   USERS=100000 SEQ_USERS=10000 ./bench/import.sh
set -euo pipefail
USERS=${USERS:-100000}
SEQ_USERS=${SEQ_USERS:-10000} # the sequential run on a sample: extrapolate
OUT=${OUT:-$(mktemp -d)}
go build -o "$OUT/iamd" ./cmd/iamd
[ -s "$OUT/load.json" ] || bench/import-dump.py "$USERS" >"$OUT/load.json"
[ -s "$OUT/sample.json" ] || bench/import-dump.py "$SEQ_USERS" >"$OUT/sample.json"
run() { # name file args...
  local name=$1 file=$2
  shift 2
  rm -rf "$OUT/data-$name"
  echo "== $name: $(uptime)"
  /usr/bin/time -v "$OUT/iamd" import "$file" --data "$OUT/data-$name" --account-id 111122223333 --quota-users 1000000 "$@" 2>"$OUT/time-$name.txt"
  grep -E "Elapsed|Maximum resident|User time|System time" "$OUT/time-$name.txt"
}
run seq-sample "$OUT/sample.json" --parallel 1
run par-sample "$OUT/sample.json"
run par-full "$OUT/load.json"

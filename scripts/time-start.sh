#!/usr/bin/env bash
# Time from `npm start` to GET /healthz 200, with dist/ already built (a second start).
# Usage: scripts/time-start.sh [port]   (prints milliseconds)
set -euo pipefail
cd "$(dirname "$0")/.."
PORT=${1:-18499}
DATA=$(mktemp -d)
node scripts/build-if-stale.mjs
start=$(date +%s%N)
DATA_DIR=$DATA PORT=$PORT HOST=127.0.0.1 npm start >/dev/null 2>"$DATA/stderr" &
NPM=$!
until curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null; do sleep 0.02; done
end=$(date +%s%N)
echo "$(( (end - start) / 1000000 )) ms"
kill -TERM "$NPM"; wait "$NPM" || true
rm -rf "$DATA"

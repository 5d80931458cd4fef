#!/usr/bin/env bash
# HTTP load on loopback: bbox items pages (100 parcels) and route-impact POSTs, with wrk.
#
#   benches/http_load.sh [DATA_DIR] [SECONDS]
#
# DATA_DIR defaults to /tmp/dpbench/p1m (make it with
# `target/release/drainplan generate --communes 252 --out /tmp/dpbench/p1m`); SECONDS
# (default 10) is the length of each wrk run. With STORE=postgresql://… the server serves
# that PostGIS store (filled with `drainplan migrate --data DATA_DIR --to …`) instead. Needs wrk (apt-get install wrk) and a release
# build (cargo build --release). Prints start-up time, resident memory, and for each query
# throughput and p50/p99 latency at 1 and at 8 connections (2 wrk threads).
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${1:-/tmp/dpbench/p1m}
SECS=${2:-10}
BIN=${DRAINPLAN_BIN:-${CARGO_TARGET_DIR:-target}/release/drainplan}
PORT=${PORT:-18080}
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }
[ -x "$BIN" ] || { echo "$BIN is missing: cargo build --release" >&2; exit 1; }
[ -f "$DATA/parcels.geojson" ] || { echo "$DATA is missing: drainplan generate --communes 252 --out $DATA" >&2; exit 1; }

WORK=$(mktemp -d)
# The server writes its journal beside the layers: serve a copy-on-nothing symlink farm.
mkdir -p "$WORK/data"
for f in "$DATA"/*.geojson; do ln -s "$(realpath "$f")" "$WORK/data/"; done
trap 'kill ${SPID:-} ${SERVER:-} 2>/dev/null || true; rm -rf "$WORK"' EXIT

START=$(date +%s.%N)
/usr/bin/time -v -o "$WORK/time.txt" "$BIN" serve --data "$WORK/data" ${STORE:+--store "$STORE"} --addr "127.0.0.1:$PORT" \
  >"$WORK/serve.log" 2>&1 &
SERVER=$!
until curl -sf -o /dev/null "http://127.0.0.1:$PORT/collections"; do
  kill -0 $SERVER 2>/dev/null || { cat "$WORK/serve.log"; exit 1; }
  sleep 0.05
done
READY=$(date +%s.%N)
SPID=$(pgrep -P $SERVER drainplan || echo $SERVER)
RSS_KB=$(awk '/VmRSS/ {print $2}' /proc/$SPID/status)
PARCELS=$(curl -s "http://127.0.0.1:$PORT/collections/parcels/items?limit=1" | python3 -c 'import json,sys; print(json.load(sys.stdin).get("numberMatched"))')
printf 'start-up to first answer: %.2f s, resident after load: %d MB, parcels: %s\n' \
  "$(echo "$READY - $START" | bc)" $((RSS_KB / 1024)) "$PARCELS"

# The 750 m planned canal of the first commune, 6 m corridor (same as the criterion bench
# and postgis_compare.sh), and a box of about 100 parcels around its west end.
ROUTE=$(python3 - "$DATA" <<'PY'
import json, sys
for line in open(sys.argv[1] + "/canals.geojson"):
    if '"cn-dd-tc-planned"' in line:
        f = json.loads(line.rstrip().rstrip(","))
        print(json.dumps({"route": f["geometry"], "corridor_width_m": 6}))
        break
PY
)
X=$(echo "$ROUTE" | python3 -c 'import json,sys; print(json.load(sys.stdin)["route"]["coordinates"][0][0])')
Y=$(echo "$ROUTE" | python3 -c 'import json,sys; print(json.load(sys.stdin)["route"]["coordinates"][0][1])')
BBOX=$(python3 -c "x,y=$X,$Y; h=0.0011; print(f'{x-h:.6f},{y-h:.6f},{x+h:.6f},{y+h:.6f}')")
echo "bbox $BBOX returns $(curl -s "http://127.0.0.1:$PORT/collections/parcels/items?bbox=$BBOX&limit=100" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["numberReturned"], "of", d["numberMatched"])') parcels"
echo "route impact touches $(curl -s -H 'Content-Type: application/json' -d "$ROUTE" "http://127.0.0.1:$PORT/api/analyses/route-impact" | python3 -c 'import json,sys; print(json.load(sys.stdin)["totals"]["parcels"])') parcels"

cat > "$WORK/post.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = [==[$ROUTE]==]
LUA
cat > "$WORK/report.lua" <<'LUA'
done = function(summary, latency, requests)
  io.write(string.format("  %.0f req/s, p50 %.2f ms, p99 %.2f ms, errors %d\n",
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.status + summary.errors.connect + summary.errors.read +
    summary.errors.write + summary.errors.timeout))
end
LUA
cat "$WORK/report.lua" >> "$WORK/post.lua"
for c in 1 8; do
  echo "bbox items, 100 parcels, $c connection(s), ${SECS} s:"
  wrk -t $(( c < 2 ? 1 : 2 )) -c $c -d "${SECS}s" -s "$WORK/report.lua" \
    "http://127.0.0.1:$PORT/collections/parcels/items?bbox=$BBOX&limit=100" | tail -1
  echo "route impact 750 m x 6 m, $c connection(s), ${SECS} s:"
  wrk -t $(( c < 2 ? 1 : 2 )) -c $c -d "${SECS}s" -s "$WORK/post.lua" \
    "http://127.0.0.1:$PORT/api/analyses/route-impact" | tail -1
done
RSS_KB=$(awk '/VmRSS/ {print $2}' /proc/$SPID/status)
echo "resident after the load: $((RSS_KB / 1024)) MB"

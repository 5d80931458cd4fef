#!/usr/bin/env bash
# drainplan against PostGIS on the same parcels, the same route and the same bbox, in one run.
#
#   benches/postgis_compare.sh [DATA_DIR] [SECONDS]
#
# 1. installs PostgreSQL 15 + PostGIS 3.3 and GDAL from Debian if missing, and starts a
#    throw-away cluster on loopback in a temporary folder (as the postgres user);
# 2. loads DATA_DIR/parcels.geojson with ogr2ogr, adds the parcels projected to EPSG:9208
#    (VN-2000 / TM-3 104-45; PostGIS 3.3's spatial_ref_sys lacks it, so the row is added
#    and PROJ supplies the definition) and a GiST index on both geometries — the
#    fastest PostGIS set-up, analogous to drainplan's projected polygons and R-tree;
# 3. runs the route impact (ST_Transform → ST_Buffer 'endcap=flat join=round' →
#    ST_Intersection → ST_Area) and a 100-parcel bbox page (GeoJSON out) in PostGIS,
#    and the same two requests against `drainplan serve` on the same data;
# 4. checks the answers are equal (same parcel ids; each taken area within 0.5 %; same
#    bbox ids) and gives each side's latency from a SECONDS-long run of one client
#    (pgbench for PostGIS, wrk for drainplan, both over loopback) and the ratio.
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=$(realpath "${1:-/tmp/dpbench/p1m}")
SECS=${2:-10}
BIN=$(realpath "${DRAINPLAN_BIN:-${CARGO_TARGET_DIR:-target}/release/drainplan}")
PGPORT=${PGPORT:-55432}
PORT=${PORT:-18081}
PGBIN=/usr/lib/postgresql/15/bin
[ -f "$DATA/parcels.geojson" ] || { echo "$DATA is missing: drainplan generate --communes 252 --out $DATA" >&2; exit 1; }
[ -x "$BIN" ] || { echo "$BIN is missing: cargo build --release" >&2; exit 1; }
if ! [ -x $PGBIN/initdb ] || ! [ -e /usr/share/postgresql/15/extension/postgis.control ] \
   || ! command -v ogr2ogr >/dev/null || ! command -v wrk >/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql postgis gdal-bin wrk >/dev/null
fi

WORK=$(mktemp -d /tmp/dp-postgis.XXXXXX)
chmod 755 "$WORK"
mkdir -p "$WORK/pg" "$WORK/data"
chown postgres "$WORK/pg"
for f in "$DATA"/*.geojson; do ln -s "$f" "$WORK/data/"; done
cleanup() {
  kill ${SPID:-} "${SERVER:-}" 2>/dev/null || true
  runuser -u postgres -- $PGBIN/pg_ctl -D "$WORK/pg" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT
runuser -u postgres -- $PGBIN/initdb -D "$WORK/pg" -A trust -U postgres >/dev/null
runuser -u postgres -- $PGBIN/pg_ctl -D "$WORK/pg" -l "$WORK/pg/log" -w start \
  -o "-p $PGPORT -k $WORK/pg -c listen_addresses=127.0.0.1 -c shared_buffers=1GB -c max_wal_size=4GB -c fsync=off -c synchronous_commit=off -c jit=off" >/dev/null
export PGHOST=127.0.0.1 PGPORT PGUSER=postgres
psql() { command psql -X -q -v ON_ERROR_STOP=1 "$@"; }
psql -c "CREATE DATABASE dp" postgres
psql dp <<'SQL'
CREATE EXTENSION postgis;
INSERT INTO spatial_ref_sys (srid, auth_name, auth_srid, srtext, proj4text)
  SELECT 9208, 'EPSG', 9208, '', '' WHERE NOT EXISTS (SELECT 1 FROM spatial_ref_sys WHERE srid = 9208);
SQL
# The check point of DESIGN.md through PostGIS.
psql -At dp -c "SELECT round(ST_X(g)::numeric,3)||' '||round(ST_Y(g)::numeric,3) FROM (SELECT ST_Transform(ST_SetSRID(ST_MakePoint(105.70,19.22),4326),9208) g) t" \
  | sed 's/^/PostGIS EPSG:9208 check point (want 599692.515 2126189.393): /'

T0=$(date +%s.%N)
ogr2ogr -f PostgreSQL "PG:host=127.0.0.1 port=$PGPORT user=postgres dbname=dp" "$DATA/parcels.geojson" \
  -nln parcels -lco GEOMETRY_NAME=geom -lco FID=fid -lco SPATIAL_INDEX=NONE -nlt PROMOTE_TO_MULTI \
  --config PG_USE_COPY YES -gt 100000
psql dp <<'SQL'
ALTER TABLE parcels ADD COLUMN geom_m geometry(MultiPolygon, 9208);
UPDATE parcels SET geom_m = ST_Transform(geom, 9208);
CREATE INDEX parcels_geom ON parcels USING gist (geom);
CREATE INDEX parcels_geom_m ON parcels USING gist (geom_m);
CREATE UNIQUE INDEX parcels_id ON parcels (id);
VACUUM ANALYZE parcels;
SQL
T1=$(date +%s.%N)
N=$(psql -At dp -c "SELECT count(*) FROM parcels")
printf 'PostGIS: %s parcels loaded, projected and indexed in %.1f s\n' "$N" "$(echo "$T1 - $T0" | bc)"

# The route (the first commune's 750 m planned canal) and a bbox of about 100 parcels.
ROUTE_GEOM=$(python3 - "$DATA" <<'PY'
import json, sys
for line in open(sys.argv[1] + "/canals.geojson"):
    if '"cn-dd-tc-planned"' in line:
        print(json.dumps(json.loads(line.rstrip().rstrip(","))["geometry"])); break
PY
)
read -r X Y < <(echo "$ROUTE_GEOM" | python3 -c 'import json,sys; c=json.load(sys.stdin)["coordinates"][0]; print(c[0], c[1])')
read -r X0 Y0 X1 Y1 < <(python3 -c "h=0.0011; print(f'{$X-h:.6f} {$Y-h:.6f} {$X+h:.6f} {$Y+h:.6f}')")
BBOX="$X0,$Y0,$X1,$Y1"

cat > "$WORK/impact.sql" <<SQL
WITH c AS (
  SELECT ST_Buffer(ST_Transform(ST_SetSRID(ST_GeomFromGeoJSON('$ROUTE_GEOM'), 4326), 9208),
                   3, 'endcap=flat join=round') AS g
)
SELECT p.id, ST_Area(ST_Intersection(p.geom_m, c.g)) AS taken_area_m2
FROM parcels p, c
WHERE p.geom_m && c.g AND ST_Intersects(p.geom_m, c.g)
  AND ST_Area(ST_Intersection(p.geom_m, c.g)) > 0.01
ORDER BY 2 DESC, 1;
SQL
# The same query written without the stored projection: parcels projected per query.
cat > "$WORK/impact_otf.sql" <<SQL
WITH c AS (
  SELECT ST_Buffer(ST_Transform(ST_SetSRID(ST_GeomFromGeoJSON('$ROUTE_GEOM'), 4326), 9208),
                   3, 'endcap=flat join=round') AS g
)
SELECT p.id, ST_Area(ST_Intersection(ST_Transform(p.geom, 9208), c.g)) AS taken_area_m2
FROM parcels p, c
WHERE p.geom && ST_Expand(ST_Transform(c.g, 4326), 0.00001)
  AND ST_Area(ST_Intersection(ST_Transform(p.geom, 9208), c.g)) > 0.01
ORDER BY 2 DESC, 1;
SQL
# A page of GeoJSON features, as the OGC items handler answers it.
cat > "$WORK/bbox.sql" <<SQL
SELECT json_build_object('type', 'FeatureCollection', 'features', coalesce(json_agg(f), '[]'))
FROM (
  SELECT json_build_object('type', 'Feature', 'id', id, 'geometry', ST_AsGeoJSON(geom)::json,
         'properties', to_jsonb(p) - 'geom' - 'geom_m' - 'fid') AS f
  FROM parcels p
  WHERE geom && ST_MakeEnvelope($X0, $Y0, $X1, $Y1, 4326)
    AND ST_Intersects(geom, ST_MakeEnvelope($X0, $Y0, $X1, $Y1, 4326))
  ORDER BY id LIMIT 100
) t;
SQL
psql -At -F ' ' dp -f "$WORK/impact.sql" > "$WORK/pg_impact.txt"
psql -At -F ' ' dp -f "$WORK/impact_otf.sql" | cut -d' ' -f1 | sort > "$WORK/pg_otf_ids.txt"
cut -d' ' -f1 "$WORK/pg_impact.txt" | sort | cmp -s - "$WORK/pg_otf_ids.txt" || echo "note: the live-projection query finds other parcels" 
psql -At dp -f "$WORK/bbox.sql" | python3 -c 'import json,sys; print("\n".join(sorted(f["id"] for f in json.load(sys.stdin)["features"])))' > "$WORK/pg_bbox.txt"

# drainplan on the same data.
T0=$(date +%s.%N)
/usr/bin/time -v -o "$WORK/time.txt" "$BIN" serve --data "$WORK/data" --addr "127.0.0.1:$PORT" >"$WORK/serve.log" 2>&1 &
SERVER=$!
until curl -sf -o /dev/null "http://127.0.0.1:$PORT/collections"; do
  kill -0 $SERVER 2>/dev/null || { cat "$WORK/serve.log"; exit 1; }; sleep 0.05
done
T1=$(date +%s.%N)
SPID=$(pgrep -P $SERVER drainplan || echo $SERVER)
printf 'drainplan: loaded and indexed in %.1f s, %d MB resident\n' "$(echo "$T1 - $T0" | bc)" \
  $(( $(awk '/VmRSS/ {print $2}' /proc/$SPID/status) / 1024 ))
BODY="{\"route\": $ROUTE_GEOM, \"corridor_width_m\": 6}"
curl -sf -H 'Content-Type: application/json' -d "$BODY" "http://127.0.0.1:$PORT/api/analyses/route-impact" \
  | python3 -c 'import json,sys; [print(p["id"], p["taken_area_m2"]) for p in json.load(sys.stdin)["parcels"]]' > "$WORK/dp_impact.txt"
# numberMatched is ordered by position (file order); compare the sets of the first page
# PostGIS orders by id, so ask drainplan for every match and take the 100 smallest ids.
curl -sf "http://127.0.0.1:$PORT/collections/parcels/items?bbox=$BBOX&limit=10000" \
  | python3 -c 'import json,sys; print("\n".join(sorted(f["id"] for f in json.load(sys.stdin)["features"])[:100]))' > "$WORK/dp_bbox.txt"

python3 - "$WORK" <<'PY'
import sys
w = sys.argv[1]
def read(name):
    return {l.split()[0]: float(l.split()[1]) for l in open(f"{w}/{name}") if l.strip()}
pg, dp = read("pg_impact.txt"), read("dp_impact.txt")
worst = max((abs(dp[k] - pg[k]) / pg[k] for k in pg if k in dp), default=0.0)
same = set(pg) == set(dp)
print(f"route impact: PostGIS {len(pg)} parcels {sum(pg.values()):.2f} m2, drainplan {len(dp)} parcels "
      f"{sum(dp.values()):.2f} m2; same ids: {same}; worst area difference {worst*100:.4f} %")
pb = open(f"{w}/pg_bbox.txt").read().split()
db = open(f"{w}/dp_bbox.txt").read().split()
print(f"bbox page: PostGIS {len(pb)} ids, drainplan {len(db)} ids; same: {pb == db}")
if not same or worst > 0.005 or pb != db:
    print("ANSWERS DIFFER"); sys.exit(1)
PY

cat > "$WORK/report.lua" <<'LUA'
done = function(summary, latency, requests)
  io.write(string.format("%.1f %.3f %.3f %.3f\n", summary.requests / (summary.duration / 1e6),
    latency.mean / 1000, latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
LUA
{ echo 'wrk.method = "POST"'; echo 'wrk.headers["Content-Type"] = "application/json"';
  echo "wrk.body = [==[$BODY]==]"; cat "$WORK/report.lua"; } > "$WORK/post.lua"
pgb() { # tps and mean latency (ms) of one client running a SQL file for SECS seconds
  $PGBIN/pgbench -n -c 1 -T "$SECS" -M prepared -f "$1" dp 2>/dev/null \
    | awk '/latency average/ {lat=$4} /^tps/ {tps=$3} END {print tps, lat}'
}
read -r PG_IMP_TPS PG_IMP_MS < <(pgb "$WORK/impact.sql")
read -r PG_BOX_TPS PG_BOX_MS < <(pgb "$WORK/bbox.sql")
read -r PG_OTF_TPS PG_OTF_MS < <(pgb "$WORK/impact_otf.sql")
read -r DP_IMP_RPS DP_IMP_MS DP_IMP_P50 DP_IMP_P99 < <(wrk -t1 -c1 -d"${SECS}s" -s "$WORK/post.lua" \
  "http://127.0.0.1:$PORT/api/analyses/route-impact" | tail -1)
read -r DP_BOX_RPS DP_BOX_MS DP_BOX_P50 DP_BOX_P99 < <(wrk -t1 -c1 -d"${SECS}s" -s "$WORK/report.lua" \
  "http://127.0.0.1:$PORT/collections/parcels/items?bbox=$BBOX&limit=100" | tail -1)
echo
echo "one client, ${SECS} s each, loopback, $N parcels"
printf '%-28s %12s %12s %12s\n' query "PostGIS ms" "drainplan ms" "ratio"
printf '%-28s %12.3f %12.3f %11.1fx\n' "route impact 750 m x 6 m" "$PG_IMP_MS" "$DP_IMP_MS" "$(echo "$PG_IMP_MS / $DP_IMP_MS" | bc -l)"
printf '%-28s %12.3f %12.3f %11.1fx\n' "  (PostGIS projecting live)" "$PG_OTF_MS" "$DP_IMP_MS" "$(echo "$PG_OTF_MS / $DP_IMP_MS" | bc -l)"
printf '%-28s %12.3f %12.3f %11.1fx\n' "bbox page of 100 parcels" "$PG_BOX_MS" "$DP_BOX_MS" "$(echo "$PG_BOX_MS / $DP_BOX_MS" | bc -l)"
printf '%-28s %12.1f %12.1f %11.1fx\n' "bbox pages per second" "$PG_BOX_TPS" "$DP_BOX_RPS" "$(echo "$DP_BOX_RPS / $PG_BOX_TPS" | bc -l)"
echo "drainplan p50/p99: route impact $DP_IMP_P50/$DP_IMP_P99 ms, bbox $DP_BOX_P50/$DP_BOX_P99 ms"

#!/usr/bin/env bash
# Load benchmark (issue 3, item 7): Chancery's report page and dashboard, logged in, against the
# same bytes served as static files by nginx (the ceiling). Needs Debian wrk and nginx.
# Two Chancery servers over the one database: the default (a repeat view is answered from the
# page kept for the session while the data generation is unchanged) and one started with
# --no-page-reuse, which renders every view (what a first view after a change costs).
# Usage: bench/http.sh   (DURATION=10s CONNS=64 by default; BIN=path/to/chancery measures another
# build, e.g. one of an older commit, instead of building this tree)
cd "$(dirname "$0")/.."
source bench/lib.sh
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || { echo "nginx is missing: apt-get install nginx-light" >&2; exit 1; }
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

if [ -z "${BIN:-}" ]; then
  cargo build --release -q -p chancery-cli
  BIN=target/release/chancery
fi
WORK=$(mktemp -d /tmp/chancery-bench.XXXXXX)
DB="sqlite:$WORK/bench.db"
$BIN --database "$DB" demo --no-serve > "$WORK/demo.txt"
PW=$(awk '$1 == "hq.editor" { print $5 }' "$WORK/demo.txt")

PORT=$(free_port)
$BIN --database "$DB" serve --bind "127.0.0.1:$PORT" 2> "$WORK/server.log" &
SERVER=$!
RPORT=$(free_port)
$BIN --database "$DB" serve --no-page-reuse --search-index "$WORK/rendering.search" \
  --bind "127.0.0.1:$RPORT" 2> "$WORK/rendering.log" &
RENDERING=$!
NGINX_PID=""
cleanup() {
  kill "$SERVER" "$RENDERING" 2>/dev/null || true
  [ -n "$NGINX_PID" ] && kill "$NGINX_PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
BASE="http://127.0.0.1:$PORT"
RBASE="http://127.0.0.1:$RPORT"
wait_http "$BASE/healthz"
wait_http "$RBASE/healthz"
login "$BASE" hq.editor "$PW" "$WORK/jar"
COOKIE="Cookie: chancery_session=$(cookie_of "$WORK/jar")"

mkdir -p "$WORK/www"
curl -fs -H "$COOKIE" "$BASE/taskings/CHN-2026-0001/reports/OTTAWA" > "$WORK/www/report.html"
curl -fs -H "$COOKIE" "$BASE/" > "$WORK/www/dashboard.html"
# nginx workers run as an unprivileged user: let them read the pages.
chmod 755 "$WORK" "$WORK/www" && chmod 644 "$WORK/www/"*.html
NPORT=$(free_port)
cat > "$WORK/nginx.conf" <<CONF
worker_processes 2;
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log;
events { worker_connections 1024; }
http {
  access_log off;
  default_type text/html;
  client_body_temp_path $WORK/tmp; proxy_temp_path $WORK/tmp; fastcgi_temp_path $WORK/tmp; uwsgi_temp_path $WORK/tmp; scgi_temp_path $WORK/tmp;
  server { listen 127.0.0.1:$NPORT; root $WORK/www; }
}
CONF
mkdir -p "$WORK/tmp"
"$NGINX" -c "$WORK/nginx.conf" -g 'daemon off;' &
NGINX_PID=$!
wait_http "http://127.0.0.1:$NPORT/report.html"

echo "report page: $(wc -c < "$WORK/www/report.html") bytes; dashboard: $(wc -c < "$WORK/www/dashboard.html") bytes; ${CONNS:-64} connections, ${DURATION:-10s}, 2 wrk threads"
# The middleware stack alone, for reference: where a page's time goes.
wrk_run chancery-healthz "$BASE/healthz"
wrk_run chancery-report "$BASE/taskings/CHN-2026-0001/reports/OTTAWA" -H "$COOKIE"
wrk_run chancery-report-rendered "$RBASE/taskings/CHN-2026-0001/reports/OTTAWA" -H "$COOKIE"
# As a browser asks for it (gzip; the ratio below is against nginx's uncompressed bytes).
wrk_run chancery-report-gzip "$BASE/taskings/CHN-2026-0001/reports/OTTAWA" -H "$COOKIE" -H "Accept-Encoding: gzip, deflate, br"
wrk_run nginx-report "http://127.0.0.1:$NPORT/report.html"
wrk_run chancery-dashboard "$BASE/" -H "$COOKIE"
wrk_run chancery-dashboard-rendered "$RBASE/" -H "$COOKIE"
wrk_run nginx-dashboard "http://127.0.0.1:$NPORT/dashboard.html"
ratio() { python3 -c "print(f'{float(open(\"$WORK/$1.rps\").read()) / float(open(\"$WORK/$2.rps\").read()) * 100:.1f}%')"; }
echo "report page: Chancery at $(ratio chancery-report nginx-report) of nginx ($(ratio chancery-report-rendered nginx-report) rendering every view, $(ratio chancery-report-gzip nginx-report) gzip-encoded)"
echo "dashboard: Chancery at $(ratio chancery-dashboard nginx-dashboard) of nginx ($(ratio chancery-dashboard-rendered nginx-dashboard) rendering every view)"

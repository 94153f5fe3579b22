# Shared helpers for the load benchmarks (sourced, not run).
set -euo pipefail

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

wait_http() { # URL
  for _ in $(seq 1 100); do curl -fs -o /dev/null "$1" && return 0; sleep 0.1; done
  echo "server at $1 did not come up" >&2; return 1
}

# login BASE USER PASSWORD JAR: logs in with the form, leaves the session cookie in JAR.
login() {
  local csrf
  csrf=$(curl -s -c "$4" -b "$4" "$1/login" | grep -o 'name="csrf" value="[0-9a-f]*"' | head -n 1 | sed 's/.*value="//; s/"//')
  curl -s -o /dev/null -c "$4" -b "$4" --data-urlencode "username=$2" --data-urlencode "password=$3" \
    --data-urlencode "csrf=$csrf" "$1/login"
}

cookie_of() { awk '$6 == "chancery_session" { print $7 }' "$1"; }

# wrk_run LABEL URL [wrk args…]: prints "LABEL req/s p99" from wrk's --latency output.
wrk_run() {
  local label=$1 url=$2; shift 2
  local out
  out=$(wrk -t2 -c"${CONNS:-64}" -d"${DURATION:-10s}" --latency "$@" "$url")
  local rps p99 errors
  rps=$(echo "$out" | awk '/Requests\/sec/ { print $2 }')
  p99=$(echo "$out" | awk '$1 == "99%" { print $2 }')
  errors=$(echo "$out" | awk '/Non-2xx or 3xx responses/ { print $5 } /Socket errors/ { print }' | tr '\n' ' ')
  printf '%-34s %12s req/s   p99 %-9s %s\n' "$label" "$rps" "$p99" "${errors:-no errors}"
  echo "$rps" > "$WORK/$label.rps"
}

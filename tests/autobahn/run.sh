#!/usr/bin/env bash
# Runs the Autobahn TestSuite against sca-ws in both roles and checks the verdicts.
#
#   tests/autobahn/run.sh [server|client|all]     (default: all)
#
# server: wstest's fuzzingclient drives examples/echo_server.rs;
# client: examples/autobahn_client.rs drives wstest's fuzzingserver.
# Every case but 12.* and 13.* (permessage-deflate, which sca-ws does not negotiate) runs. The
# run fails when a case's behavior or behaviorClose is not OK/INFORMATIONAL, or differs from
# expected-server.json / expected-client.json. Reports land in tests/autobahn/reports/.
#
# Environment:
#   AUTOBAHN_UPDATE_EXPECTED=1  rewrite the expected files from this run (accepted cases only)
#   AUTOBAHN_SERVER_CMD         another echo server to test, started as `$cmd --port N`
#   AUTOBAHN_CLIENT_CMD         another client to test, started as `$cmd --url ws://...`
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
reports="$here/reports"
roles="${1:-all}"
case "$roles" in
  server | client) ;;
  all) roles="server client" ;;
  *) echo "usage: $0 [server|client|all]" >&2; exit 2 ;;
esac

log() { printf '[autobahn] %s\n' "$*" >&2; }

# Processes this script started, stopped on any exit.
pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Waits (bounded) until something accepts TCP connections on 127.0.0.1:$1, unless $2 has died.
wait_for_port() {
  local port="$1" pid="$2" tries=0
  until (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
    kill -0 "$pid" 2>/dev/null || { log "process $pid exited before listening on $port"; return 1; }
    ((++tries > 300)) && { log "nothing listens on $port after 30 s"; return 1; }
    sleep 0.1
  done
}

py27="$("$here/install.sh")"
# wstest, with its listening sockets bound to the loopback interface only.
wstest=("$py27" -c "from autobahntestsuite import wstest
listen = wstest.fuzzing.listenWS
wstest.fuzzing.listenWS = lambda factory, context=None: listen(factory, context, interface='127.0.0.1')
wstest.run()")

if [[ -z "${AUTOBAHN_SERVER_CMD:-}" || -z "${AUTOBAHN_CLIENT_CMD:-}" ]]; then
  log "building the examples (release)"
  (cd "$repo" && timeout 1200 cargo build --quiet --release --example echo_server --example autobahn_client)
  target_dir="$(cd "$repo" && cargo metadata --format-version 1 --no-deps \
    | python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')"
fi
server_cmd="${AUTOBAHN_SERVER_CMD:-${target_dir:-}/release/examples/echo_server}"
client_cmd="${AUTOBAHN_CLIENT_CMD:-${target_dir:-}/release/examples/autobahn_client}"

# The two JSON specs share the case selection.
cases='"cases": ["*"], "exclude-cases": ["12.*", "13.*"], "exclude-agent-cases": {}'

run_server_role() {
  local out="$reports/server" port pid
  rm -rf "$out"
  mkdir -p "$out"
  port="$(free_port)"
  log "server role: echo server on 127.0.0.1:$port, wstest fuzzingclient"
  # shellcheck disable=SC2086 # the command may carry its own arguments
  $server_cmd --port "$port" >"$out/echo_server.log" 2>&1 &
  pid=$!
  pids+=("$pid")
  wait_for_port "$port" "$pid"
  cat >"$out/spec.json" <<SPEC
{"outdir": "$out", "servers": [{"agent": "sca-ws", "url": "ws://127.0.0.1:$port"}], $cases}
SPEC
  (cd "$out" && timeout 1800 "${wstest[@]}" -m fuzzingclient -s "$out/spec.json" >"$out/wstest.log" 2>&1) \
    || { log "wstest fuzzingclient failed or timed out; see $out/wstest.log"; tail -n 20 "$out/wstest.log" >&2; return 1; }
  kill "$pid" 2>/dev/null || true
}

run_client_role() {
  local out="$reports/client" port pid
  rm -rf "$out"
  mkdir -p "$out"
  port="$(free_port)"
  log "client role: wstest fuzzingserver on 127.0.0.1:$port, autobahn client"
  cat >"$out/spec.json" <<SPEC
{"outdir": "$out", "url": "ws://127.0.0.1:$port", $cases}
SPEC
  (cd "$out" && exec "${wstest[@]}" -m fuzzingserver -s "$out/spec.json" --webport 0 >"$out/wstest.log" 2>&1) &
  pid=$!
  pids+=("$pid")
  wait_for_port "$port" "$pid"
  # shellcheck disable=SC2086 # the command may carry its own arguments
  timeout 1800 $client_cmd --url "ws://127.0.0.1:$port" >"$out/client.log" 2>&1 \
    || { log "the client failed or timed out; see $out/client.log"; tail -n 20 "$out/client.log" >&2; return 1; }
  kill "$pid" 2>/dev/null || true
}

status=0
rows=()
for role in $roles; do
  "run_${role}_role" || { status=1; continue; }
  update=()
  [[ "${AUTOBAHN_UPDATE_EXPECTED:-}" == 1 ]] && update=(--update)
  if [[ ! -f "$reports/$role/index.json" ]]; then
    log "$role role: no index.json was written"
    status=1
    continue
  fi
  row="$(python3 "$here/check.py" "$reports/$role/index.json" "$here/expected-$role.json" "$role" "${update[@]}")" \
    || status=1
  rows+=("$row")
done

printf '\n%-8s %6s %11s %14s %14s %7s %6s\n' role OK NON-STRICT INFORMATIONAL UNIMPLEMENTED FAILED total
for row in "${rows[@]}"; do
  # shellcheck disable=SC2086 # the row is tab-separated fields
  printf '%-8s %6s %11s %14s %14s %7s %6s\n' $row
done
if ((status == 0)); then
  log "all cases as expected (reports in tests/autobahn/reports/)"
else
  log "FAILED (reports in tests/autobahn/reports/)"
fi
exit "$status"

#!/usr/bin/env bash
# Measures pos_broker and the sca_terminal swarm on loopback (issue 14's figures):
#   1. TERMINALS (default 10 000) terminals from one `sca_terminal --count` held by one
#      `pos_broker`: the time to connect them all, broker RSS per idle link, swarm RSS per
#      simulated terminal;
#   2. POST -> RESPONSE latency p50 / p99 through the HTTP API with LOAD_TERMINALS (default
#      1 000) terminals answering at once, one request in flight per terminal;
#   3. the same through the stdin line mode;
#   4. both again with the same terminals connected but only LOW_IN_FLIGHT (default 10)
#      requests outstanding, which shows each path's own cost rather than queueing.
# Everything runs on 127.0.0.1 and stops by itself (each phase is bounded in the load tool).
# Usage: scripts/measure_broker.sh   (TERMINALS=... LOAD_TERMINALS=... REQUESTS=... to change)
set -euo pipefail
cd "$(dirname "$0")/.."
terminals="${TERMINALS:-10000}"
load_terminals="${LOAD_TERMINALS:-1000}"
requests="${REQUESTS:-50000}"
low_in_flight="${LOW_IN_FLIGHT:-10}"
low_requests="${LOW_REQUESTS:-5000}"

cargo build --release --quiet -p sca-ws-cli --bins --example broker_load
# Each process needs a descriptor per link; the tools raise their soft limit themselves,
# this raises the shell's so the children inherit a high one too.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
load=target/release/examples/broker_load
bins=target/release

echo "== machine"
grep -m1 'model name' /proc/cpuinfo
echo "cores: $(nproc); flags: $(grep -m1 -o -w -E 'avx2|avx512f' /proc/cpuinfo | sort -u | tr '\n' ' ')"
echo "descriptor limit: soft $(ulimit -Sn), hard $(ulimit -Hn)"
echo "load before: $(cat /proc/loadavg)"

echo "== idle links"
"$load" "$bins" idle "$terminals"
echo "== HTTP API"
"$load" "$bins" http "$load_terminals" "$requests"
echo "== stdin line mode"
"$load" "$bins" stdin "$load_terminals" "$requests"
echo "== HTTP API and stdin, $low_in_flight in flight"
"$load" "$bins" http "$load_terminals" "$low_requests" "$low_in_flight"
"$load" "$bins" stdin "$load_terminals" "$low_requests" "$low_in_flight"
echo "load after: $(cat /proc/loadavg)"

#!/usr/bin/env bash
# Measures request -> RESPONSE latency p50 / p99 for a terminal on the same node against one
# on the other node (issue 15's figures): TERMINALS (default 1 000) terminals spread over two
# broker nodes joined through a nats-server on 127.0.0.1 (Debian package nats-server), all
# on this machine. Prints the machine, its load and the process's CPU time.
# Usage: scripts/measure_cluster.sh   (TERMINALS=... REQUESTS=... CONCURRENCY=... to change)
set -euo pipefail
cd "$(dirname "$0")/.."
terminals="${TERMINALS:-1000}"
requests="${REQUESTS:-20000}"
concurrency="${CONCURRENCY:-8}"
cargo build --release --quiet -p sca-ws-cli --example cluster_latency
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
echo "== machine"
grep -m1 'model name' /proc/cpuinfo
echo "cores: $(nproc)"
nats="$(command -v nats-server || echo /usr/sbin/nats-server)"
echo "nats-server: $("$nats" --version)"
echo "load before: $(cat /proc/loadavg)"
/usr/bin/time -f "cpu: %U s user, %S s system, %e s wall, max RSS %M KiB" \
  "${CARGO_TARGET_DIR:-target}/release/examples/cluster_latency" "$terminals" "$requests" "$concurrency"
echo "load after: $(cat /proc/loadavg)"

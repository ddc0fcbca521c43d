#!/usr/bin/env bash
# Service benchmarks (release build): `flowledger serve` on loopback — 16 clients × batches of
# 100, 64 clients × 1 event (p50/p99), append -> v1/events follower latency, 1000 idle
# followers' CPU and RSS, tlog-tiles per second, and the cost of TLS — each beside the local `append --signed` rate
# measured in the same run.
#   scripts/bench-service.sh            full run (a few minutes)
#   scripts/bench-service.sh --quick    every size ~10x smaller, a smoke run
set -euo pipefail
cd "$(dirname "$0")/.."
"$(dirname "$0")/install-deps.sh"
swift build -c release --product flowledger
swift build -c release --product flowledger-bench
# 1000 followers need 1000 descriptors on each side.
ulimit -n 8192 2>/dev/null || true
exec .build/release/flowledger-bench service "$@"

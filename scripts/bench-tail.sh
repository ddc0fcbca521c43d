#!/usr/bin/env bash
# `flowledger tail -f` benchmark (release build): latency from a durable append to the line
# printed by a following tail in another process (p50, p99 over 1,000 appends; goal p99 <= 50 ms),
# and the CPU the follower uses while the ledger is idle (goal: close to zero, no busy polling).
#   scripts/bench-tail.sh                                  1,000 appends, 10 s idle
#   scripts/bench-tail.sh --appends 5000 --idle-seconds 30
#   scripts/bench-tail.sh --sm2                            the sm2-sm3 suite
set -euo pipefail
cd "$(dirname "$0")/.."
"$(dirname "$0")/install-deps.sh"
# The benchmark runs the release `flowledger` next to it as the following tail.
swift build -c release --product flowledger
swift build -c release --product flowledger-bench
exec .build/release/flowledger-bench tail "$@"

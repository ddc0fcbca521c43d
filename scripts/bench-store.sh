#!/usr/bin/env bash
# Store benchmarks (release build): library and CLI append rates as a share of OpenSSL's raw
# verify rate on all cores, durable append latency, proofs on a large ledger, peak RSS.
#   scripts/bench-store.sh                         full run (1M-entry proof ledger; several minutes)
#   scripts/bench-store.sh --quick                 every size ~10x smaller, a smoke run
#   scripts/bench-store.sh --proof-entries 200000  a smaller proof ledger
#   scripts/bench-store.sh --sm2                   the sm2-sm3 suite (limit = raw SM2 verify)
set -euo pipefail
cd "$(dirname "$0")/.."
"$(dirname "$0")/install-deps.sh"
# The benchmark runs the release `flowledger` next to it for `append --signed`.
swift build -c release --product flowledger
swift build -c release --product flowledger-bench
exec .build/release/flowledger-bench store "$@"

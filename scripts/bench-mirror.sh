#!/usr/bin/env bash
# `flowledger mirror` benchmark (release build): a ledger of N entries (default 100,000) served
# by `flowledger serve` on loopback and mirrored from empty: entries per second beside OpenSSL's
# raw Ed25519 verify rate on all cores measured in the same run (goal ≥ 0.75), the mirror's peak
# RSS (goal ≤ 128 MiB), and an incremental mirror of 1,000 new entries (goal ≤ 1 s).
#   scripts/bench-mirror.sh                               100,000 entries
#   scripts/bench-mirror.sh --entries 1000000             the issue's size (builds the ledger first: minutes)
#   scripts/bench-mirror.sh --ledger /var/tmp/mirror      keep the built ledger there and reuse it
#   scripts/bench-mirror.sh --sm2 --entries 50000         the sm2-sm3 suite (limit = raw SM2 verify)
set -euo pipefail
cd "$(dirname "$0")/.."
"$(dirname "$0")/install-deps.sh"
swift build -c release --product flowledger
swift build -c release --product flowledger-bench
exec .build/release/flowledger-bench mirror "$@"

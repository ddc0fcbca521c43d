#!/usr/bin/env bash
# Verifier benchmark (release build): `flowledger verify` on a 20,000- and a 1,000,000-entry
# ledger, entries per second beside OpenSSL's raw Ed25519 verify rate on all cores measured in
# the same run (goal ≥ 0.8 at both sizes: the small one shows start-up and the first windows),
# and the verifier's peak RSS (goal ≤ 128 MiB).
#   scripts/bench-verify.sh                             full run (builds the ledgers first: a few minutes)
#   scripts/bench-verify.sh --quick                     20,000 and 100,000 entries, one round
#   scripts/bench-verify.sh --entries 20000             one size
#   scripts/bench-verify.sh --ledger /var/tmp/verify    keep the ledgers there (a folder per size) and reuse them
#   scripts/bench-verify.sh --sm2 --entries 200000      the sm2-sm3 suite (limit = raw SM2 verify)
set -euo pipefail
cd "$(dirname "$0")/.."
"$(dirname "$0")/install-deps.sh"
swift build -c release --product flowledger
swift build -c release --product flowledger-bench
exec .build/release/flowledger-bench verify "$@"

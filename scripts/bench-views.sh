#!/usr/bin/env bash
# Projector benchmark (release build): catch-up of views.sqlite from nothing on a 1,000,000-entry
# ledger in entries per second (goal ≥ 100,000/s) and as a multiple of OpenSSL's raw Ed25519
# verify rate on all cores (measured in the same run), the size of views.sqlite, resuming from
# 90% (the policy state kept in the file, or replayed without writing), and reading the views.
#   scripts/bench-views.sh                          full run (builds the ledger first: a few minutes)
#   scripts/bench-views.sh --quick                  100,000 entries
#   scripts/bench-views.sh --open                   exchanges never acknowledged (the fold's largest state)
#   scripts/bench-views.sh --ledger /var/tmp/l1m    keep the ledger there and reuse it next time
set -euo pipefail
cd "$(dirname "$0")/.."
"$(dirname "$0")/install-deps.sh"
swift build -c release --product flowledger-bench
exec .build/release/flowledger-bench views "$@"

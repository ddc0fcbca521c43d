#!/usr/bin/env bash
# Report benchmark (release build): `flowledger report` on a 1,000,000-entry ledger whose views
# are current, wall time (goal ≤ 10 s) and the page's size (goal ≤ 5 MiB, aggregating with
# counts), with `flowledger verify` alone beside it (the report runs the same full replay).
#   scripts/bench-report.sh                           full run (builds the ledger first: a few minutes)
#   scripts/bench-report.sh --quick                   100,000 entries
#   scripts/bench-report.sh --open                    every exchange overdue (the longest attention table)
#   scripts/bench-report.sh --ledger /var/tmp/report  keep the ledger there and reuse it next time
set -euo pipefail
cd "$(dirname "$0")/.."
"$(dirname "$0")/install-deps.sh"
swift build -c release --product flowledger
swift build -c release --product flowledger-bench
exec .build/release/flowledger-bench report "$@"

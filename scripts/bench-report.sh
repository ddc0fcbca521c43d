#!/usr/bin/env bash
# Report benchmark (release build): `flowledger report --remember` on a 1,000,000-entry ledger
# whose views are current: the first report (a full verification), the same again, and the daily
# report with 1% new entries since the remembered verification, wall time (goal ≤ 10 s) and the
# page's size (goal ≤ 5 MiB, aggregating with counts).
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

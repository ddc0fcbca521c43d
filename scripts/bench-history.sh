#!/usr/bin/env bash
# The writer's history file (index/state.sqlite) as it grows (release build): what one write of
# 65,536 event rows and 65,536 exchange rows costs at each size, beside the same rows keyed by
# digest alone (the layout before runs), and what lookups cost as runs accumulate.
#   scripts/bench-history.sh                  4,194,304 rows (a ledger of about two million exchanges)
#   scripts/bench-history.sh --quick          1,048,576 rows
#   scripts/bench-history.sh --rows 16777216  larger
set -euo pipefail
cd "$(dirname "$0")/.."
"$(dirname "$0")/install-deps.sh"
swift build -c release --product flowledger-bench
exec .build/release/flowledger-bench history "$@"

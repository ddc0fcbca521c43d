#!/usr/bin/env bash
# Opening a large ledger as its writer (release build): `flowledger append` of one event and
# `flowledger checkpoint` on a 1,000,000-entry ledger, wall time and peak RSS; opening after the
# state snapshot was deleted and after a SIGKILL while it was written; verify of the result.
#   scripts/bench-open.sh                      full run (builds a 1M-entry ledger first: minutes)
#   scripts/bench-open.sh --ledger DIR         build the ledger once in DIR and reuse it
#   scripts/bench-open.sh --quick              100,000 entries
set -euo pipefail
cd "$(dirname "$0")/.."
"$(dirname "$0")/install-deps.sh"
swift build -c release --product flowledger
swift build -c release --product flowledger-bench
exec .build/release/flowledger-bench open "$@"

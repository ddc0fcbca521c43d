#!/usr/bin/env bash
# Core micro-benchmarks (release build): rates per core beside OpenSSL's raw verify rate.
set -euo pipefail
cd "$(dirname "$0")/.."
"$(dirname "$0")/install-deps.sh"
swift build -c release --product flowledger-bench
exec .build/release/flowledger-bench "$@"

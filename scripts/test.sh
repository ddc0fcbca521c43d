#!/usr/bin/env bash
# Runs the whole test suite: installs what the build needs when it is missing, then `swift test`.
set -euo pipefail
cd "$(dirname "$0")/.."
"$(dirname "$0")/install-deps.sh"
exec swift test "$@"

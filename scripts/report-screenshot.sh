#!/usr/bin/env bash
# The README's picture of the regulator's report: builds the demo ledger (the same ledger byte
# for byte on every run), writes its report with a fixed check time, and renders it with headless
# chromium, offline, to docs/report.png (and docs/report-zh-CN.png with --zh).
#   scripts/report-screenshot.sh          docs/report.png
#   scripts/report-screenshot.sh --zh     also docs/report-zh-CN.png
set -euo pipefail
cd "$(dirname "$0")/.."
"$(dirname "$0")/install-deps.sh"
swift build --product flowledger
bin="$(swift build --show-bin-path)/flowledger"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$bin" demo "$work/city" > /dev/null
langs=(en)
if [ "${1:-}" = "--zh" ]; then
  langs+=(zh-CN)
  # The page uses the system's fonts; a bare machine has no CJK font and draws boxes.
  if ! fc-list :lang=zh | grep -q .; then
    sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq fonts-wqy-zenhei
  fi
fi
for lang in "${langs[@]}"; do
  page="$work/report-$lang.html"
  "$bin" report "$work/city" --lang "$lang" --checked-at 2026-11-30T09:00:00Z --out "$page" || [ $? -eq 3 ]  # 3: the demo's violations
  out=docs/report.png
  [ "$lang" = en ] || out="docs/report-$lang.png"
  # No network: every request would go to a closed port and every name fails to resolve.
  timeout 90 chromium --headless=new --no-sandbox --disable-gpu --hide-scrollbars --no-first-run \
    --user-data-dir="$work/profile-$lang" --proxy-server=127.0.0.1:9 --host-resolver-rules='MAP * ~NOTFOUND' \
    --window-size=1280,2250 --screenshot="$PWD/$out" "file://$page" 2>/dev/null
  echo "wrote $out"
done

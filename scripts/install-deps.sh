#!/usr/bin/env bash
# Installs the system packages FlowLedger builds against, only when they are missing:
# libssl-dev (OpenSSL's libcrypto: SHA-256, SM3, Ed25519, SM2), libsqlite3-dev, pkg-config,
# the openssl command line (tests cross-check against it), PostgreSQL, and Chromium.
set -euo pipefail
missing=()
for pkg in libssl-dev libsqlite3-dev pkg-config openssl; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
# Go and golang.org/x/mod (GOPATH sources under /usr/share/gocode): the tlog-tiles cross-check
# (Tests/LedgerServiceTests/TilesGoCrossCheckTests.swift) builds a Go sumdb/tlog client offline.
for pkg in golang-go golang-golang-x-mod-dev; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
# PostgreSQL (server and client): the PostgreSQL store's tests start their own clusters with
# initdb and pg_ctl as the unprivileged `postgres` account, on free ports (DESIGN §12).
for pkg in postgresql postgresql-client; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
# Chromium (headless, offline): ReportBrowserTests renders the regulator's report in a real browser.
dpkg -s chromium >/dev/null 2>&1 || missing+=(chromium)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}" >&2
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}"
fi

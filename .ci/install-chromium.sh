#!/usr/bin/env bash
# Debian's Chromium for the registry's browser tests (tests/web/test_e2e.py). Idempotent: does nothing when
# /usr/bin/chromium is already there. The browser comes from the Debian archive only (never
# `playwright install`, which downloads a browser build from elsewhere).
set -euo pipefail

if [ -x /usr/bin/chromium ]; then
  echo "chromium: present ($(/usr/bin/chromium --version 2>/dev/null || echo 'version unknown'))"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
echo "chromium: installing Debian's package"
$SUDO apt-get update -q
$SUDO apt-get install -y -q chromium
test -x /usr/bin/chromium
echo "chromium: installed ($(/usr/bin/chromium --version 2>/dev/null || echo 'version unknown'))"

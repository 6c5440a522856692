#!/usr/bin/env bash
# Makes sure Debian's chromium is installed (the console's browser tests drive it with playwright-core).
# Idempotent and fast when chromium is already there. Installing needs root (apt-get); if it cannot be
# installed this exits non-zero, so the browser tests fail loudly instead of being skipped.
set -euo pipefail
CHROMIUM="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [ -x "$CHROMIUM" ]; then exit 0; fi
echo "[chromium] $CHROMIUM not found: installing Debian's chromium"
SUDO=""
if [ "$(id -u)" != 0 ]; then
  if command -v sudo > /dev/null; then SUDO="sudo -n"; else
    echo "[chromium] ERROR: not root and no sudo; install chromium (apt-get install chromium) and re-run" >&2; exit 1
  fi
fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends chromium fonts-liberation > /dev/null
[ -x "$CHROMIUM" ] || { echo "[chromium] ERROR: chromium still missing after apt-get install" >&2; exit 1; }
echo "[chromium] installed: $("$CHROMIUM" --version 2>/dev/null || echo unknown)"

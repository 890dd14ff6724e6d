#!/usr/bin/env bash
# What the browser tests (tests/e2e) need: Debian's Chromium, driven by Playwright for Python
# (no browser download), and axe-core from npm, injected into pages as a plain JS file.
# Installs only what is missing; fails loudly when it cannot, since these tests never skip.
set -euo pipefail
cd "$(dirname "$0")/.."

apt_install() {
  if [ "$(id -u)" -eq 0 ]; then
    sudo=()
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo=(sudo -n)
  else
    echo "install-browser-deps: missing $*; run as root: apt-get install $*" >&2
    exit 1
  fi
  echo "install-browser-deps: installing $*"
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium fonts-dejavu-core)
command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)
[ ${#missing[@]} -eq 0 ] || apt_install "${missing[@]}"

# The exact axe-core of package-lock.json, only when it is not there yet.
if [ ! -f node_modules/axe-core/axe.min.js ]; then
  echo "install-browser-deps: npm ci (axe-core)"
  npm ci --no-audit --no-fund --loglevel=error
fi

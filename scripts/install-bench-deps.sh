#!/usr/bin/env bash
# Debian packages the benchmarks' peers need: PHP's command line, TCPDF and PHP's GD (TCPDF
# needs it for PNG images with an alpha channel) for bench/peers/, run by bench/documents.py
# beside Parcours. Called by `make bench` and by the bench when they are
# missing; never by `make test`. Installs only what is missing, and only where it can (root or
# sudo on a Debian-like system); otherwise says what to install and exits 0 (the bench then
# reports the peer as not measured).
set -euo pipefail

packages=(php-cli php-tcpdf php-gd)

if ! command -v dpkg-query >/dev/null 2>&1; then
  echo "install-bench-deps: not a Debian-like system; install PHP (CLI, GD) and TCPDF 6.6 yourself." >&2
  exit 0
fi

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
  sudo=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  sudo=(sudo -n)
else
  echo "install-bench-deps: missing ${missing[*]}; run as root: apt-get install ${missing[*]}" >&2
  exit 0
fi

echo "install-bench-deps: installing ${missing[*]}" >&2
"${sudo[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends \
  "${missing[@]}" >/dev/null

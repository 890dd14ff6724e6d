#!/usr/bin/env bash
# Debian packages that WeasyPrint and the documents need: Pango, HarfBuzz's subsetter (without it
# PDF rendering is 3-4x slower) and fonts covering Latin, Arabic, Cyrillic, Vietnamese and CJK.
# Installs only what is missing, and only where it can (root or sudo on a Debian-like system).
set -euo pipefail

packages=(
  libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 libharfbuzz0b
  fonts-dejavu-core fonts-noto-core fonts-noto-cjk gettext
)

if ! command -v dpkg-query >/dev/null 2>&1; then
  echo "install-system-deps: not a Debian-like system; install Pango, HarfBuzz and Noto fonts yourself." >&2
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
  echo "install-system-deps: missing ${missing[*]}; run as root: apt-get install ${missing[*]}" >&2
  exit 0
fi

echo "install-system-deps: installing ${missing[*]}"
"${sudo[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

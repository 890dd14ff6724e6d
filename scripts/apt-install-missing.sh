#!/usr/bin/env bash
# Installs the Debian packages given that are missing, and only where it can (root or sudo on a
# Debian-like system); otherwise says what to install and exits 0. Used by the install-*-deps
# scripts:  apt-install-missing.sh <caller> <what to install elsewhere> <package>...
set -euo pipefail

caller=$1 elsewhere=$2
shift 2
packages=("$@")

if ! command -v dpkg-query >/dev/null 2>&1; then
  echo "$caller: not a Debian-like system; install $elsewhere yourself." >&2
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
  echo "$caller: missing ${missing[*]}; run as root: apt-get install ${missing[*]}" >&2
  exit 0
fi

echo "$caller: installing ${missing[*]}" >&2
"${sudo[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends \
  "${missing[@]}" >/dev/null

#!/usr/bin/env bash
# Debian packages that WeasyPrint and the documents need: Pango, HarfBuzz's subsetter (without it
# PDF rendering is 3-4x slower) and fonts covering Latin, Arabic, Cyrillic, Vietnamese and CJK.
# Installs only what is missing, and only where it can (root or sudo on a Debian-like system).
set -euo pipefail

exec "$(dirname "$0")/apt-install-missing.sh" install-system-deps \
  "Pango, HarfBuzz and Noto fonts" \
  libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 libharfbuzz0b \
  fonts-dejavu-core fonts-noto-core fonts-noto-cjk gettext

#!/usr/bin/env bash
# Debian packages the benchmarks' peers need: PHP's command line, TCPDF and PHP's GD (TCPDF
# needs it for PNG images with an alpha channel) for bench/peers/, run by bench/documents.py
# beside Parcours. Called by `make bench` and by the bench when they are missing; never by
# `make test`. Installs only what is missing, and only where it can (root or sudo on a
# Debian-like system); otherwise says what to install and exits 0 (the bench then reports the
# peer as not measured).
set -euo pipefail

exec "$(dirname "$0")/apt-install-missing.sh" install-bench-deps \
  "PHP (CLI, GD) and TCPDF 6.6" php-cli php-tcpdf php-gd

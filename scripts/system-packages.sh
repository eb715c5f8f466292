#!/usr/bin/env bash
# What figure export (and the browser tests) need from Debian: chromium, and a font with every Vietnamese diacritic
# (fonts-noto-core). Installs the missing ones when run as root; otherwise says what is missing and how to install it.
# Shared by scripts/run.sh and scripts/test.sh.
# Usage: scripts/system-packages.sh [--require|""] [extra Debian packages…]
#   --require: exit 1 when something is missing and not installed; extra packages: e.g. haproxy for the tests
set -euo pipefail
require="${1:-}"
shift || true
need=()
for extra in "$@"; do
  command -v "$extra" >/dev/null 2>&1 || [ -x "/usr/sbin/$extra" ] || need+=("$extra")
done
command -v chromium >/dev/null 2>&1 || need+=(chromium)
[ -e /usr/share/fonts/truetype/noto/NotoSans-Regular.ttf ] || need+=(fonts-noto-core)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing system packages: ${need[*]}"
  if apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null; then
    exit 0
  fi
  echo "Could not install the system packages ${need[*]}" >&2
else
  echo "Missing system packages (${need[*]}): run 'sudo apt-get install -y ${need[*]}'" >&2
fi
[ "$require" != "--require" ] || exit 1
echo "Figure export is unavailable until they are installed (the export menu says so)." >&2

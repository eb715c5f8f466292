#!/usr/bin/env bash
# One command: set up .venv with the test requirements and system packages, then run the whole test suite.
# Browser and export tests need Debian's chromium and a font with Vietnamese diacritics, the deployment tests
# Debian's haproxy (all installed here when root).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh requirements-dev.txt
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
[ -e /usr/share/fonts/truetype/noto/NotoSans-Regular.ttf ] || need+=(fonts-noto-core)
# The deployment tests put HAProxy in front of the app replicas (tests/test_deploy.py).
command -v haproxy >/dev/null 2>&1 || [ -x /usr/sbin/haproxy ] || need+=(haproxy)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "Installing system packages: ${need[*]}"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  else
    echo "Missing system packages (${need[*]}): run 'sudo apt-get install -y ${need[*]}'" >&2
    [ -z "${CI:-}" ] || exit 1
  fi
fi
# Plan texts and boundaries default to ../shared beside the repository (as in CI).
shared="$(cd .. && pwd)/shared"
[ -n "${DV2030_SOURCES_DIR:-}" ] || { [ -d "$shared/seeds" ] && export DV2030_SOURCES_DIR="$shared/seeds"; }
[ -n "${DV2030_GEO_DIR:-}" ] || { [ -d "$shared/geo" ] && export DV2030_GEO_DIR="$shared/geo"; }
exec .venv/bin/python -m pytest "$@"

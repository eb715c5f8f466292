#!/usr/bin/env bash
# One command: set up .venv with the test requirements and system packages, then run the whole test suite.
# Browser and export tests need Debian's chromium and a font with Vietnamese diacritics, the deployment tests
# Debian's haproxy (installed here when root; in CI a missing one is a failure).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh requirements-dev.txt
if [ -n "${CI:-}" ]; then scripts/system-packages.sh --require haproxy; else scripts/system-packages.sh "" haproxy; fi
# Plan texts and boundaries default to ../shared beside the repository (as in CI).
shared="$(cd .. && pwd)/shared"
[ -n "${DV2030_SOURCES_DIR:-}" ] || { [ -d "$shared/seeds" ] && export DV2030_SOURCES_DIR="$shared/seeds"; }
[ -n "${DV2030_GEO_DIR:-}" ] || { [ -d "$shared/geo" ] && export DV2030_GEO_DIR="$shared/geo"; }
exec .venv/bin/python -m pytest "$@"

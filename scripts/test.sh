#!/usr/bin/env bash
# One command: set up .venv with the test requirements and system packages, then run the whole test suite.
# Browser and export tests need Debian's chromium and a font with Vietnamese diacritics, the deployment tests
# Debian's haproxy (installed here when root; in CI a missing one is a failure).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh requirements-dev.txt
if [ -n "${CI:-}" ]; then scripts/system-packages.sh --require haproxy; else scripts/system-packages.sh "" haproxy; fi
# axe-core, the accessibility checker the browser tests inject into every page: pinned with its integrity hash in
# tests/axe/package-lock.json, installed with npm ci (again whenever the lock file changes).
if [ ! -f tests/axe/node_modules/axe-core/axe.min.js ] || [ tests/axe/package-lock.json -nt tests/axe/node_modules ]; then
  if command -v npm >/dev/null 2>&1; then
    (cd tests/axe && npm ci --no-audit --no-fund --loglevel=error) && touch tests/axe/node_modules
  else
    echo "npm is missing: the accessibility test cannot run (install Debian's npm package)" >&2
    [ -z "${CI:-}" ] || exit 1
  fi
fi
# Plan texts and boundaries default to ../shared beside the repository (as in CI).
shared="$(cd .. && pwd)/shared"
[ -n "${DV2030_SOURCES_DIR:-}" ] || { [ -d "$shared/seeds" ] && export DV2030_SOURCES_DIR="$shared/seeds"; }
[ -n "${DV2030_GEO_DIR:-}" ] || { [ -d "$shared/geo" ] && export DV2030_GEO_DIR="$shared/geo"; }
exec .venv/bin/python -m pytest "$@"

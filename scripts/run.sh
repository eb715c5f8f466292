#!/usr/bin/env bash
# One command on a fresh machine: set up .venv, install what figure export needs (Debian's chromium and
# fonts-noto-core, when run as root), build the warehouse if it is missing or out of date, then run the dashboard.
# The build comes before the server starts, so no visitor waits on it.
# Optional: DV2030_SOURCES_DIR=/path/to/plan/texts to verify citations; DV2030_GEO_DIR for boundaries.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh requirements.txt
scripts/system-packages.sh
# A failed build is reported here and again by the dashboard, which keeps serving the previous build if there is one.
.venv/bin/python -m etl ensure || echo "The warehouse build failed (see above); the dashboard will show the errors." >&2
exec .venv/bin/python -m streamlit run dashboard.py "$@"

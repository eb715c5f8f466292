#!/usr/bin/env bash
# One command on a fresh machine: set up .venv and run the dashboard (the warehouse is built on first run).
# Optional: DV2030_SOURCES_DIR=/path/to/plan/texts to verify citations; DV2030_GEO_DIR for boundaries.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh requirements.txt
exec .venv/bin/python -m streamlit run dashboard.py "$@"

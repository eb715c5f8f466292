#!/usr/bin/env bash
# The balanced set-up on this machine: HAProxy in front of N dashboard replicas sharing one data folder.
#   scripts/deploy-local.sh start [N]   seed the shared folder, publish a release, start N replicas + the balancer
#   scripts/deploy-local.sh status      processes, health checks, the balancer's view and one page run
#   scripts/deploy-local.sh release     publish a new warehouse from the shared data folder to every replica
#   scripts/deploy-local.sh release --from-repo   … after merging this checkout's data/ into the shared folder
#                                       (the editors' additions not in the repository yet are kept)
#   scripts/deploy-local.sh stop        stop the balancer and the replicas (the shared folder is kept)
# Settings (DV2030_PORT, DV2030_SHARED_DIR, …): see deploy/local.py and the README's Deployment section.
# DV2030_PYTHON: use this interpreter (with the requirements installed) instead of setting up .venv.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -n "${DV2030_PYTHON:-}" ]; then
  python="$DV2030_PYTHON"
else
  scripts/setup.sh requirements.txt
  python=.venv/bin/python
fi
if [ "${1:-}" = start ] && ! command -v haproxy >/dev/null 2>&1 && [ ! -x /usr/sbin/haproxy ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "Installing HAProxy (Debian package haproxy)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq haproxy >/dev/null
  else
    echo "HAProxy is not installed: run 'sudo apt-get install -y haproxy'" >&2
    exit 1
  fi
fi
exec "$python" -m deploy.local "$@"

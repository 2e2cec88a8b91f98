#!/usr/bin/env bash
# Install the kiosk on Debian or Raspberry Pi OS and start the demo: a hub,
# one kiosk window and one staff console window on a sample site (SQLite).
# Needs a desktop session; on a machine without a screen, prefix `xvfb-run -a`.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

export DEBIAN_FRONTEND=noninteractive
as_root apt-get update -qq
as_root apt-get install -y -qq --no-install-recommends \
    libgl1 libgl1-mesa-dri libegl1 libmtdev1 espeak-ng python3-venv python3-pip >/dev/null

python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e .
exec .venv/bin/kiosk demo "$@"

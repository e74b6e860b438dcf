#!/usr/bin/env bash
# Render the report in headless Chromium and check that the verdict table is visible and every image
# loaded (tests/test_report.py::test_html_renders_in_headless_chromium, which skips without Chromium).
#
#   ci/browser_check.sh            # installs chromium with apt-get when missing (Debian/Ubuntu, root)
#
# Environment: PYTHON (default .venv/bin/python, else python3).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v chromium >/dev/null 2>&1 && ! command -v chromium-browser >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null
  else
    echo "error: chromium not installed and cannot apt-get install it (need root on Debian/Ubuntu)" >&2
    exit 1
  fi
fi
PY=${PYTHON:-}
if [ -z "$PY" ]; then
  if [ -x .venv/bin/python ]; then PY=.venv/bin/python; else PY=python3; fi
fi
export JAX_PLATFORMS=${JAX_PLATFORMS:-cpu}
# -rs shows a skip reason; a skip is a failure here (the point of this script is the browser run)
out=$("$PY" -m pytest -q -rs -p no:cacheprovider tests/test_report.py -k chromium 2>&1) || { echo "$out"; exit 1; }
echo "$out"
if echo "$out" | grep -q "skipped"; then
  echo "error: the browser test was skipped" >&2
  exit 1
fi

#!/usr/bin/env bash
# CI: create a virtual environment, install lemmacheck with its test extra, run the README's test
# command.  Fails on pytest exit code 5 (no tests collected).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
VENV=${VENV:-.venv-ci}
if [ ! -x "$VENV/bin/python" ]; then
  "$PY" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install --quiet --upgrade pip >/dev/null 2>&1 || true
"$VENV/bin/python" -m pip install --quiet -e ".[test]"
# Optional: headless Chromium for the report's browser test (skipped with a reason when absent).
if ! command -v chromium >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  timeout 300 bash -c 'apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium' \
    >/dev/null 2>&1 || echo "note: chromium not installed; the browser test will be skipped"
fi
export JAX_PLATFORMS=cpu
export PATH="$PWD/$VENV/bin:$PATH"
start=$(date +%s)
set +e
# The README's test command:
python -m pytest -n auto properties tests
rc=$?
set -e
echo "pytest exit code $rc after $(( $(date +%s) - start ))s"
if [ "$rc" -eq 5 ]; then
  echo "error: pytest collected no tests (exit code 5)" >&2
  exit 1
fi
exit "$rc"

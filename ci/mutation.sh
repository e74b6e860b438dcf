#!/usr/bin/env bash
# Mutation testing of analytic/ with cosmic-ray (not part of the default CI run: slow).
#
#   ci/mutation.sh [MODULE ...]            default: analytic/cnn.py
#   ci/mutation.sh analytic/cnn.py analytic/balance.py
#
# Every mutant (an operator flipped, a constant changed, a comparison inverted ...) is applied to a
# COPY of the repository (the checkout itself is never modified), and the tests that exercise the
# module are run against it: the analytic unit tests plus the chapter's properties (the registered
# checks, which must move away from their expected verdict).  A mutant is "killed" when the tests
# fail (or time out).  The hand-written mutant tests (tests/test_mutants_*.py) are NOT used: they
# patch functions themselves and would kill mutants for the wrong reason.
#
# Environment:
#   PROJECT_PY   python with the project's dependencies (default: .venv/bin/python, else python3)
#   CR_VENV      where cosmic-ray is installed (default ~/.cache/lemmacheck/cosmic-ray-venv)
#   TESTS        test paths (default: per module, see tests_for below)
#   TIMEOUT      seconds per mutant (default 900; a timeout counts as killed)
#   MAX_MUTANTS  run a random sample of this many mutants per module (default: all)
#   HYPOTHESIS_PROFILE  profile for the properties (default quick)
#   WORKDIR      where the copy and the session databases go (default: a new /tmp dir; kept)
#   CR_VERSION   cosmic-ray version (default 8.7.0)
#
# Output: per module, cr-report lines and the kill rate; a summary table at the end; the session
# databases (WORKDIR/*.sqlite) and cr-html reports (WORKDIR/*.html) are kept.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
MODULES=("$@")
[ ${#MODULES[@]} -eq 0 ] && MODULES=(analytic/cnn.py)
PROJECT_PY=${PROJECT_PY:-}
if [ -z "$PROJECT_PY" ]; then
  if [ -x "$ROOT/.venv/bin/python" ]; then PROJECT_PY="$ROOT/.venv/bin/python"; else PROJECT_PY=python3; fi
fi
CR_VENV=${CR_VENV:-$HOME/.cache/lemmacheck/cosmic-ray-venv}
CR_VERSION=${CR_VERSION:-8.7.0}
TIMEOUT=${TIMEOUT:-900}
export HYPOTHESIS_PROFILE=${HYPOTHESIS_PROFILE:-quick}
export JAX_PLATFORMS=${JAX_PLATFORMS:-cpu}
WORK=${WORKDIR:-$(mktemp -d /tmp/lemmacheck-mutation.XXXXXX)}
mkdir -p "$WORK"

tests_for() {  # the tests that exercise an analytic module (unit tests + the chapter's properties)
  case "$1" in
    analytic/cnn.py)      echo "tests/test_cnn_analytic.py tests/test_ch5_sim.py properties/test_ch5_cnn.py" ;;
    analytic/cnn_fast.py) echo "tests/test_ch5_sim.py properties/test_ch5_cnn.py" ;;
    analytic/gram.py|analytic/gaussian.py) echo "tests/test_gram.py properties/test_ch2_gram.py properties/test_ch3_gram.py" ;;
    analytic/balance.py)  echo "tests/test_balance.py properties/test_ch4_balance.py" ;;
    analytic/filter.py)   echo "tests/test_filter.py properties/test_ch6_filter.py" ;;
    analytic/saddle.py)   echo "tests/test_saddle.py properties/test_ch7_saddle.py" ;;
    analytic/linear.py|analytic/wide.py) echo "tests/test_essay_analytic.py properties/test_essay.py" ;;
    *) ls "$ROOT"/tests/test_*.py | grep -v test_mutants | sed "s|$ROOT/||" | tr '\n' ' '; echo properties ;;
  esac
}

# 1. cosmic-ray in its own venv
if [ ! -x "$CR_VENV/bin/cosmic-ray" ]; then
  python3 -m venv "$CR_VENV"
  "$CR_VENV/bin/pip" install --quiet "cosmic-ray==$CR_VERSION"
fi
CR="$CR_VENV/bin"

# 2. a private copy of the working tree (tracked + untracked-not-ignored files)
COPY="$WORK/repo"
rm -rf "$COPY" && mkdir -p "$COPY"
(cd "$ROOT" && git ls-files -z -co --exclude-standard | tar --null -T - -cf -) | (cd "$COPY" && tar -xf -)
export PYTHONPATH="$COPY${PYTHONPATH:+:$PYTHONPATH}"
where=$(cd "$COPY" && "$PROJECT_PY" -c "import analytic, os; print(os.path.dirname(analytic.__file__))")
if [ "$where" != "$COPY/analytic" ]; then
  echo "error: 'import analytic' resolves to $where, not the copy $COPY/analytic" >&2
  exit 2
fi

summary=()
for MOD in "${MODULES[@]}"; do
  name=$(basename "$MOD" .py)
  T=${TESTS:-$(tests_for "$MOD")}
  cfg="$WORK/$name.toml"; db="$WORK/$name.sqlite"
  cat > "$cfg" <<TOML
[cosmic-ray]
module-path = "$MOD"
timeout = $TIMEOUT.0
excluded-modules = []
test-command = "$PROJECT_PY -m pytest -x -q -p no:cacheprovider $T"

[cosmic-ray.distributor]
name = "local"
TOML
  echo "== $MOD: tests: $T"
  cd "$COPY"
  rm -f "$db"
  "$CR/cosmic-ray" init "$cfg" "$db"
  "$CR/cr-filter-pragma" "$db" || true   # honours '# pragma: no mutate' (equivalent mutants)
  if [ -n "${MAX_MUTANTS:-}" ]; then
    "$CR_VENV/bin/python" - "$db" "$MAX_MUTANTS" <<'PY'
import random, sqlite3, sys
db, k = sys.argv[1], int(sys.argv[2])
con = sqlite3.connect(db)
ids = [r[0] for r in con.execute("select job_id from work_items where job_id not in (select job_id from work_results)")]
random.Random(0).shuffle(ids)
drop = ids[k:]
con.executemany("delete from mutation_specs where job_id = ?", [(i,) for i in drop])
con.executemany("delete from work_items where job_id = ?", [(i,) for i in drop])
con.commit()
print(f"sampled {min(k, len(ids))} of {len(ids)} mutants")
PY
  fi
  echo "baseline (unmutated) ..."
  if ! "$CR/cosmic-ray" baseline "$cfg"; then
    echo "error: the tests fail on the unmutated code; fix that first" >&2
    exit 1
  fi
  start=$(date +%s)
  "$CR/cosmic-ray" exec "$cfg" "$db"
  "$CR/cr-report" "$db" | tail -n 40
  "$CR/cr-html" "$db" > "$WORK/$name.html" || true
  rate=$("$CR/cr-rate" "$db")   # survival rate in percent
  kill=$(python3 -c "print(f'{100 - float(\"$rate\"):.1f}')")
  summary+=("$MOD: kill rate ${kill}% (survival ${rate}%) in $(( $(date +%s) - start ))s; report $WORK/$name.html")
  cd "$ROOT"
done
echo
echo "mutation testing summary (work dir $WORK):"
printf '  %s\n' "${summary[@]}"

#!/usr/bin/env bash
# Mutation testing of analytic/ with cosmic-ray (not part of the default CI run: slow).
#
#   ci/mutation.sh [MODULE ...]            default: analytic/cnn.py
#   ci/mutation.sh analytic/cnn.py analytic/balance.py
#   FAST=1 MAX_MUTANTS=40 ci/mutation.sh analytic/cnn.py      # unit tests only, 40 sampled mutants
#
# Every mutant (an operator flipped, a constant changed, a comparison inverted ...) is applied to a
# COPY of the repository (the checkout itself is never modified), and the tests that exercise the
# module are run against it: the analytic unit tests (incl. the value pins tests/test_analytic_pins_*)
# first, then the chapter's properties (the registered checks, which must move away from their
# expected verdict).  pytest runs with -x, so a killed mutant usually costs only the unit tests.  A
# mutant is "killed" when the tests fail (or time out).  The hand-written mutant tests
# (tests/test_mutants_*.py) are NOT used: they patch functions themselves and would kill mutants for
# the wrong reason.
#
# Environment:
#   PROJECT_PY   python with the project's dependencies (default: .venv/bin/python, else python3)
#   CR_VENV      where cosmic-ray is installed (default ~/.cache/lemmacheck/cosmic-ray-venv)
#   TESTS        test paths (default: per module, see tests_for below)
#   FAST         1: the module's unit tests only, no properties (seconds per mutant instead of
#                minutes; the kill rate is then a lower bound of the default selection's)
#   TIMEOUT      seconds per mutant (default 900, with FAST=1 300; a timeout counts as killed)
#   MAX_MUTANTS  run a random sample of this many mutants per module (default: all)
#   SEED         seed of that sample (default 0).  The sample is reproducible: mutants are ordered by
#                (operator, occurrence), which comments and pragmas do not change, and it is drawn
#                BEFORE the pragma filter, so marking a mutant equivalent keeps the sample fixed
#   HYPOTHESIS_PROFILE  profile for the properties (default quick)
#   WORKDIR      where the copy and the session databases go (default: a new /tmp dir; kept)
#   CR_VERSION   cosmic-ray version (default 8.7.0)
#
# Equivalent mutants (no observable change) are marked on the line where the mutated expression ENDS,
# with a reason: '# equivalent-mutant: OPERATOR[, ...] (why)' skips only those operators' mutants
# (e.g. ReplaceComparisonOperator_LtE_Lt where both branches agree at the boundary);
# '# pragma: no mutate' skips every mutant of the line (only where all are equivalent: a cache size).
# ci/mutation_filter.py applies both; they are reported as "equivalent" and excluded from the rate.
#
# Output: per module, the counts (killed / survived / equivalent), the kill rate
# killed / (run - equivalent), the time per mutant and the surviving mutants (line, operator, diff);
# a summary table at the end; the session databases (WORKDIR/*.sqlite) and cr-html reports
# (WORKDIR/*.html) are kept.
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
FAST=${FAST:-0}
if [ "$FAST" = 1 ]; then TIMEOUT=${TIMEOUT:-300}; else TIMEOUT=${TIMEOUT:-900}; fi
SEED=${SEED:-0}
export HYPOTHESIS_PROFILE=${HYPOTHESIS_PROFILE:-quick}
export JAX_PLATFORMS=${JAX_PLATFORMS:-cpu}
WORK=${WORKDIR:-$(mktemp -d /tmp/lemmacheck-mutation.XXXXXX)}
mkdir -p "$WORK"

existing() {  # the given test paths that exist in the copy (the checkout before the copy is made)
  for f in "$@"; do [ -e "${COPY:-$ROOT}/$f" ] && printf '%s ' "$f"; done; return 0
}

unit_tests_for() {  # the fast unit tests of an analytic module (value pins first: they fail fastest)
  local name; name=$(basename "$1" .py)
  local pins="tests/test_analytic_pins_$name.py"
  case "$1" in
    analytic/cnn.py)      existing "$pins" tests/test_cnn_analytic.py tests/test_ch5_sim.py ;;
    analytic/cnn_fast.py) existing "$pins" tests/test_ch5_sim.py ;;
    analytic/gram.py|analytic/gaussian.py) existing "$pins" tests/test_gram.py ;;
    analytic/gram_extra.py) existing "$pins" tests/test_gram_extra.py ;;
    analytic/fastrng.py)  existing "$pins" tests/test_fastrng.py tests/test_analytic_pins_cnn_fast.py ;;
    analytic/balance.py)  existing "$pins" tests/test_balance.py ;;
    analytic/filter.py)   existing "$pins" tests/test_filter.py ;;
    analytic/saddle.py)   existing "$pins" tests/test_saddle.py ;;
    analytic/linear.py|analytic/wide.py) existing "$pins" tests/test_essay_analytic.py ;;
    *) ls "$ROOT"/tests/test_*.py | grep -v test_mutants | sed "s|$ROOT/||" | tr '\n' ' ' ;;
  esac
}

properties_for() {  # the chapter's properties (the registered checks)
  case "$1" in
    analytic/cnn.py|analytic/cnn_fast.py) echo properties/test_ch5_cnn.py ;;
    analytic/gram.py|analytic/gaussian.py|analytic/gram_extra.py) echo "properties/test_ch2_gram.py properties/test_ch3_gram.py" ;;
    analytic/fastrng.py)  echo properties/test_ch5_cnn.py ;;
    analytic/balance.py)  echo properties/test_ch4_balance.py ;;
    analytic/filter.py)   echo properties/test_ch6_filter.py ;;
    analytic/saddle.py)   echo properties/test_ch7_saddle.py ;;
    analytic/linear.py|analytic/wide.py) echo properties/test_essay.py ;;
    *) echo properties ;;
  esac
}

tests_for() {  # the tests that exercise an analytic module (unit tests, then the chapter's properties)
  if [ "$FAST" = 1 ]; then unit_tests_for "$1"; else echo "$(unit_tests_for "$1")$(properties_for "$1")"; fi
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
test-command = "$PROJECT_PY -m pytest -x -q -p no:cacheprovider -p no:randomly $T"

[cosmic-ray.distributor]
name = "local"
TOML
  echo "== $MOD: tests: $T"
  cd "$COPY"
  rm -f "$db"
  "$CR/cosmic-ray" init "$cfg" "$db"
  if [ -n "${MAX_MUTANTS:-}" ]; then
    "$CR_VENV/bin/python" - "$db" "$MAX_MUTANTS" "$SEED" <<'PY'
import random, sqlite3, sys
db, k, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
con = sqlite3.connect(db)
# job ids are random uuids: order by what identifies a mutant independently of comments/line numbers
rows = con.execute("select job_id, operator_name, occurrence from mutation_specs").fetchall()
ids = [r[0] for r in sorted(rows, key=lambda r: (r[1], r[2]))]
random.Random(seed).shuffle(ids)
drop = ids[k:]
con.executemany("delete from mutation_specs where job_id = ?", [(i,) for i in drop])
con.executemany("delete from work_items where job_id = ?", [(i,) for i in drop])
con.commit()
print(f"sampled {min(k, len(ids))} of {len(ids)} mutants (seed {seed})")
PY
  fi
  "$CR_VENV/bin/python" "$COPY/ci/mutation_filter.py" "$db"   # marked equivalent mutants (ci/mutation_filter.py)
  echo "baseline (unmutated) ..."
  if ! "$CR/cosmic-ray" baseline "$cfg"; then
    echo "error: the tests fail on the unmutated code; fix that first" >&2
    exit 1
  fi
  start=$(date +%s)
  "$CR/cosmic-ray" exec "$cfg" "$db"
  secs=$(( $(date +%s) - start ))
  "$CR/cr-html" "$db" > "$WORK/$name.html" || true
  # cr-rate counts skipped (equivalent) mutants as killed: count here instead
  line=$("$CR_VENV/bin/python" - "$db" "$secs" "$MOD" <<'PY'
import sqlite3, sys
db, secs, mod = sys.argv[1], int(sys.argv[2]), sys.argv[3]
con = sqlite3.connect(db)
rows = con.execute("""select s.operator_name, s.start_pos_row, s.definition_name, r.worker_outcome,
                             r.test_outcome, r.output, r.diff
                      from mutation_specs s left join work_results r using (job_id)
                      order by s.start_pos_row""").fetchall()
n = len(rows)
equiv = [r for r in rows if r[3] == "SKIPPED"]
run = [r for r in rows if r[3] != "SKIPPED"]
surv = [r for r in run if r[4] == "SURVIVED"]
pending = [r for r in run if r[4] is None]
timeouts = [r for r in run if r[4] == "KILLED" and (r[5] or "").strip() == "timeout"]
incompetent = [r for r in run if r[4] == "INCOMPETENT"]
killed = len(run) - len(surv) - len(pending)
denom = len(run) - len(pending)
rate = 100.0 * killed / denom if denom else float("nan")
per = secs / max(len(run), 1)
print(f"\n{mod}: {n} mutants: {killed} killed ({len(timeouts)} by timeout, {len(incompetent)} incompetent), "
      f"{len(surv)} survived, {len(equiv)} equivalent (marked), {len(pending)} not run", file=sys.stderr)
for op, row, fn, _, _, _, diff in surv:
    body = [l for l in (diff or "").splitlines() if l[:1] in "+-" and l[:3] not in ("+++", "---")]
    print(f"  SURVIVED line {row} in {fn}: {op}: {' | '.join(body)}", file=sys.stderr)
for op, row, fn, *_ in equiv:
    print(f"  equivalent line {row} in {fn}: {op}", file=sys.stderr)
print(f"{mod}: kill rate {rate:.1f}% = {killed}/{denom} (run {n}, survived {len(surv)}, equivalent {len(equiv)}); "
      f"{secs}s, {per:.0f}s per mutant")
PY
)
  summary+=("$line; report $WORK/$name.html")
  cd "$ROOT"
done
echo
echo "mutation testing summary (work dir $WORK):"
printf '  %s\n' "${summary[@]}"

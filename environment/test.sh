#!/usr/bin/env bash
# README command 2: install what the tests need, build, run every test (unit tests and notebooks),
# and end with one line "N passed, N failed". Idempotent; exits non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

bash environment/setup.sh || { echo "setup failed"; echo "0 passed, 1 failed"; exit 1; }

results="$root/TestResults"
rm -rf "$results"; mkdir -p "$results"
passed=0; failed=0

if ! dotnet build ZeroShotPK.sln -c Release -nologo -clp:ErrorsOnly; then
  echo "build failed"; echo "0 passed, 1 failed"; exit 1
fi

# Unit and integration tests (xunit). Counts come from the TRX, not from dotnet test's summary.
filter=${ZSPK_TEST_FILTER:-}
dotnet test ZeroShotPK.sln -c Release --no-build -nologo \
  ${filter:+--filter "$filter"} \
  --logger "trx;LogFileName=unit.trx" --logger "console;verbosity=minimal" --results-directory "$results"
trx="$results/unit.trx"
if [ -f "$trx" ]; then
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters"); f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
  e=$(sed -n 's/.* error="\([0-9]*\)".*/\1/p' <<<"$counters"); t=$(sed -n 's/.* timeout="\([0-9]*\)".*/\1/p' <<<"$counters")
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0} + ${e:-0} + ${t:-0}))
  [ "${p:-0}" -gt 0 ] || { echo "no unit test ran"; failed=$((failed + 1)); }
else
  echo "no TRX written: the test run itself failed"; failed=$((failed + 1))
fi

# Notebooks: each executed headless under the .NET Interactive kernel counts as one test.
if [ -x environment/run-notebooks.sh ]; then
  nb_out="$results/notebooks.txt"
  ZSPK_QUICK=${ZSPK_QUICK:-1} environment/run-notebooks.sh --results "$nb_out" || true
  if [ -f "$nb_out" ]; then
    passed=$((passed + $(grep -c '^PASS ' "$nb_out" || true)))
    failed=$((failed + $(grep -c '^FAIL ' "$nb_out" || true)))
  else
    echo "notebook runner wrote no results"; failed=$((failed + 1))
  fi
fi

# Slurm: a sharded evaluation as an array plus merge job on a local single-node cluster counts as one test (SKIP, not
# counted, only where slurm-wlm/munge could not be installed).
if [ -x environment/slurm/test-cluster.sh ]; then
  slurm_out="$results/slurm.txt"
  environment/slurm/test-cluster.sh --results "$slurm_out" || true
  if [ -f "$slurm_out" ]; then
    passed=$((passed + $(grep -c '^PASS ' "$slurm_out" || true)))
    failed=$((failed + $(grep -c '^FAIL ' "$slurm_out" || true)))
  else
    echo "Slurm test wrote no result"; failed=$((failed + 1))
  fi
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

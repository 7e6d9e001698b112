#!/usr/bin/env bash
# Executes notebooks headless under the .NET Interactive kernel (.net-csharp) and reports each one.
#
#   environment/run-notebooks.sh [--results FILE] [--update-outputs] [--html DIR] [notebooks...]
#
#   (no notebooks)      every notebooks/*.ipynb
#   --results FILE      append "PASS name" / "FAIL name reason" lines (environment/test.sh counts them)
#   --update-outputs    write the executed notebook back in place, so committed notebooks carry outputs;
#                       the inlined plotly.js (3.6 MB) is left out, run timestamps dropped and a live panel
#                       (TrainingMonitor) kept as its final state only
#   --html DIR          also write DIR/<name>.html, a self-contained render with plotly.js (charts offline)
#
# A notebook fails on a kernel/timeout failure, on any cell error, when it has no cell tagged "chart", when
# a cell tagged "chart" shows no chart (no ZeroShotPK.Charts.ChartPage.Marker in its HTML output) or a chart
# output has no trace with data (environment/nbtool.py check). Environment: ZSPK_QUICK=1 (quick mode,
# read by notebooks) is passed through to the kernel; ZSPK_NB_CELL_TIMEOUT per-cell limit in seconds
# (default 600). Needs environment/setup.sh first (Jupyter, kernel, Release build).
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

results=""; update=0; html_dir=""; notebooks=()
while [ $# -gt 0 ]; do
  case "$1" in
    --results) results=$(realpath -m "$2"); shift 2 ;;
    --update-outputs) update=1; shift ;;
    --html) html_dir=$(realpath -m "$2"); shift 2 ;;
    -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
    -*) echo "run-notebooks: unknown option $1" >&2; exit 2 ;;
    *) notebooks+=("$(realpath -m "$1")"); shift ;;
  esac
done
[ ${#notebooks[@]} -gt 0 ] || notebooks=("$root"/notebooks/*.ipynb)
cell_timeout=${ZSPK_NB_CELL_TIMEOUT:-600}
export ZSPK_QUICK=${ZSPK_QUICK:-0}
[ -n "$results" ] && mkdir -p "$(dirname "$results")" && : >"$results"
[ -n "$html_dir" ] && mkdir -p "$html_dir"

report() { # status name [reason]
  local line="$1 $2${3:+ $3}"
  echo "$line"
  [ -n "$results" ] && echo "$line" >>"$results"
  return 0
}

work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
failed=0
if [ ! -f src/ZeroShotPK/bin/Release/net10.0/ZeroShotPK.dll ]; then
  for nb in "${notebooks[@]}"; do report FAIL "$(basename "$nb" .ipynb)" "helper assembly not built (run environment/setup.sh)"; done
  exit 1
fi
for nb in "${notebooks[@]}"; do
  name=$(basename "$nb" .ipynb)
  [ -f "$nb" ] || { report FAIL "$name" "no such notebook: $nb"; failed=1; continue; }
  out="$work/$name.ipynb"; log="$work/$name.log"
  start=$(date +%s)
  # --allow-errors: the executed notebook is always written, so the failing cell can be named below.
  # The kernel runs in the notebook's folder (relative paths and the dotnet tool manifest resolve there).
  if ! jupyter nbconvert --to notebook --execute --allow-errors \
      --ExecutePreprocessor.kernel_name=.net-csharp --ExecutePreprocessor.timeout="$cell_timeout" \
      --ExecutePreprocessor.startup_timeout=180 \
      --output-dir "$work" --output "$name.ipynb" "$nb" >"$log" 2>&1; then
    reason=$(grep -E 'Error|Timeout|timed out' "$log" | grep -v -i debug | tail -n 1 | tr -s ' ' | cut -c1-300)
    report FAIL "$name" "execution failed (${reason:-see log}) after $(( $(date +%s) - start )) s"
    tail -n 20 "$log" >&2; failed=1; continue
  fi
  seconds=$(( $(date +%s) - start ))
  if ! reason=$(python3 environment/nbtool.py check "$out"); then
    report FAIL "$name" "$reason"; failed=1; continue
  fi
  if [ -n "$html_dir" ]; then
    jupyter nbconvert --to html --output-dir "$html_dir" --output "$name" "$out" >>"$log" 2>&1 \
      || { report FAIL "$name" "html export failed"; failed=1; continue; }
  fi
  if [ "$update" -eq 1 ]; then
    python3 environment/nbtool.py commit "$out" && cp "$out" "$nb.tmp" && mv "$nb.tmp" "$nb" \
      || { report FAIL "$name" "could not write outputs back"; failed=1; continue; }
  fi
  report PASS "$name" "(${seconds} s)"
done
exit $failed

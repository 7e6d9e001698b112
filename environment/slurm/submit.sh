#!/usr/bin/env bash
# Submits a sharded zspk job to Slurm: an array of N shards, then a merge job that runs only if every shard succeeded
# (--dependency=afterok:ARRAY). Prints the two job ids on the last line ("ARRAY_ID MERGE_ID"); the result is OUT/merged.
#   environment/slurm/submit.sh KIND N OUT [ZSPK-OPTIONS...]
#   KIND: evaluate (shards are folders OUT/shard-K), simulate (files OUT/shard-K.csv; merged: OUT/merged/studies.csv),
#   pbpk-population (files; merged: OUT/merged/population.csv) or pbpk-simulate (files, with --population FILE;
#   merged: OUT/merged/profiles.csv), or pretrain-sweep (runs OUT/run-K, one seed or config each, see pretrain-sweep.sbatch;
#   then a compare-runs job after all of them end, also when some failed: OUT/comparison.csv). Example:
#   environment/slurm/submit.sh evaluate 16 /scratch/bench --benchmark data/benchmark --method nlme,population --known 4
# Environment: ZSPK (the zspk command; default: the built dll of this checkout through dotnet), ZSPK_CPUS (cores per
# shard, default 1; zspk runs with --threads equal to it), ZSPK_MEM, ZSPK_TIME (override the scripts' requests),
# ZSPK_SBATCH (more sbatch options, e.g. "--partition=short --account=pk").
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
[ $# -ge 3 ] || { echo "usage: submit.sh KIND N OUT [ZSPK-OPTIONS...]" >&2; exit 2; }
kind=$1 n=$2 out=$3; shift 3
case "$kind" in
  evaluate) script=$here/evaluate.sbatch; suffix="" ;;
  simulate) script=$here/simulate.sbatch; suffix=".csv" ;;
  pbpk-population) script=$here/pbpk-population.sbatch; suffix=".csv" ;;
  pbpk-simulate) script=$here/pbpk-simulate.sbatch; suffix=".csv" ;;
  pretrain-sweep) script=$here/pretrain-sweep.sbatch ;;
  *) echo "submit.sh: KIND must be evaluate, simulate, pbpk-population, pbpk-simulate or pretrain-sweep, got '$kind'" >&2; exit 2 ;;
esac
# The follow-up job: a merge once every shard succeeded, or a sweep's comparison once every run ended.
if [ "$kind" = pretrain-sweep ]; then
  follow=("$here/compare-runs.sbatch"); dep=afterany; what=compare-runs; result=comparison.csv
else
  follow=("$here/merge.sbatch"); dep=afterok; what=merge; result=merged
fi
[[ $n =~ ^[1-9][0-9]*$ ]] || { echo "submit.sh: N must be a whole number >= 1, got '$n'" >&2; exit 2; }
mkdir -p "$out/logs"
out=$(cd "$out" && pwd)
export ZSPK=${ZSPK:-dotnet $root/src/ZeroShotPK.Cli/bin/Release/net10.0/zspk.dll}
export ZSPK_SLURM_DIR=$here  # sbatch runs a copy of the script: shard-common.sh is found through this
read -r -a extra <<< "${ZSPK_SBATCH:-}"
req=(--cpus-per-task="${ZSPK_CPUS:-1}")
[ -n "${ZSPK_MEM:-}" ] && req+=(--mem="$ZSPK_MEM")
[ -n "${ZSPK_TIME:-}" ] && req+=(--time="$ZSPK_TIME")
array=$(sbatch --parsable --chdir="$root" --array=0-$((n - 1)) "${req[@]}" "${extra[@]}" \
  --output="$out/logs/%x-%A_%a.out" "$script" "$out" "$@")
array=${array%%;*}
if [ "$kind" = pretrain-sweep ]; then follow+=("$out" "$n"); else follow+=("$out" "$n" "$suffix"); fi
merge=$(sbatch --parsable --chdir="$root" --dependency=$dep:"$array" --kill-on-invalid-dep=yes "${extra[@]}" \
  --output="$out/logs/%x-%j.out" "${follow[@]}")
merge=${merge%%;*}
echo "submitted $kind: array job $array (tasks 0-$((n - 1))), $what job $merge ($dep) -> $out/$result"
echo "$array $merge"

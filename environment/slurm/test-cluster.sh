#!/usr/bin/env bash
# The Slurm integration test: starts the local single-node cluster (local-cluster.sh), submits a sharded evaluation (an
# array of 2 shards plus the merge job, through submit.sh), waits for it, and checks that the merged files equal one local
# unsharded run: predictions.csv byte for byte, summary.csv and benchmark.csv byte for byte except the SECONDS column
# (wall times; the merge writes the shards' sum there); then a 2-shard pbpk population array plus merge, byte-identical to
# one local run; then a 2-run tiny pretraining sweep plus compare-runs. Stops the cluster afterwards, also on failure.
# Prints one line "PASS slurm ..." or "FAIL slurm ..." (or "SKIP slurm ..." when slurm-wlm/munge cannot be installed or
# this is not root), also appended to --results FILE. Needs the Release build of zspk.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
results=""
[ "${1:-}" = "--results" ] && results=$2
report() { echo "$1"; [ -z "$results" ] || echo "$1" >> "$results"; }
t0=$(date +%s)

if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
  report "SKIP slurm: slurm-wlm and munge are not installed and could not be (environment/setup.sh installs them: apt-get install -y slurm-wlm munge)"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then report "SKIP slurm: the local test cluster runs its daemons as root (SlurmUser=root); run as root"; exit 0; fi

zspk=(dotnet "$root/src/ZeroShotPK.Cli/bin/Release/net10.0/zspk.dll")
[ -f "${zspk[1]}" ] || { report "FAIL slurm: ${zspk[1]} not built"; exit 1; }
work=$(mktemp -d /tmp/zspk-slurm-test.XXXXXX)
export ZSPK_SLURM_STATE=$work/cluster
cleanup() { bash "$here/local-cluster.sh" stop >/dev/null 2>&1; rm -rf "$work"; }
trap cleanup EXIT
fail() { report "FAIL slurm: $* ($(( $(date +%s) - t0 )) s)"; for f in "$work"/out/logs/*; do [ -f "$f" ] && { echo "--- $f"; tail -n 20 "$f"; }; done; exit 1; }

# The final state of a job, polled once a second for up to 300 s (empty if it never ended).
wait_for() {
  local state=""
  for _ in $(seq 300); do
    state=$(scontrol show job "$1" 2>/dev/null | sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p' | head -n 1)
    case "$state" in COMPLETED|FAILED|CANCELLED|TIMEOUT|NODE_FAIL|OUT_OF_MEMORY) break ;; esac
    sleep 1
  done
  echo "$state"
}

bash "$here/local-cluster.sh" start || fail "the local cluster did not start"
export SLURM_CONF=$ZSPK_SLURM_STATE/slurm.conf

mkdir -p "$work/in"
cp "$root/data/benchmark/indometacin.csv" "$root/data/benchmark/cefamandole.csv" "$work/in/"
args=(--benchmark "$work/in" --method population --known 4 --samples 200)
"${zspk[@]}" evaluate "${args[@]}" --threads 2 --out "$work/local" > "$work/local.log" 2>&1 || { cat "$work/local.log"; fail "the local run failed"; }

ids=$(ZSPK="${zspk[*]}" bash "$here/submit.sh" evaluate 2 "$work/out" "${args[@]}" | tail -n 1) || fail "submit.sh failed"
read -r array merge <<< "$ids"
[ -n "${merge:-}" ] || fail "submit.sh printed no job ids"
state=$(wait_for "$merge")
tasks=$(scontrol show job "$array" 2>/dev/null | grep -c 'JobState=COMPLETED')
[ "$state" = "COMPLETED" ] || fail "merge job $merge ended $state (array job $array: $tasks of 2 tasks completed)"
[ "$tasks" -eq 2 ] || fail "array job $array: $tasks of 2 tasks completed"

no_seconds() { awk -F, 'NR==1{for(i=1;i<=NF;i++) if($i=="SECONDS") c=i} {if(c) $c="-"; print}' OFS=, "$1"; }
for s in indometacin cefamandole; do
  cmp -s "$work/local/$s/predictions.csv" "$work/out/merged/$s/predictions.csv" || fail "$s/predictions.csv of the merge differs from the local run"
  diff <(no_seconds "$work/local/$s/summary.csv") <(no_seconds "$work/out/merged/$s/summary.csv") >/dev/null || fail "$s/summary.csv differs beyond SECONDS"
done
diff <(no_seconds "$work/local/benchmark.csv") <(no_seconds "$work/out/merged/benchmark.csv") >/dev/null || fail "benchmark.csv differs beyond SECONDS"
grep -q "shard 1/2" "$work/out/logs/zspk-evaluate-${array}_1.out" || fail "shard 1's log does not name shard 1/2"

# A pbpk population (reference sampler) as a 2-task array plus merge: byte-identical to one local run.
pop=(--species human -n 300 --seed 4)
"${zspk[@]}" pbpk population "${pop[@]}" --out "$work/local-pop.csv" > "$work/local-pop.log" 2>&1 || { cat "$work/local-pop.log"; fail "the local pbpk population run failed"; }
ids=$(ZSPK="${zspk[*]}" bash "$here/submit.sh" pbpk-population 2 "$work/pop" "${pop[@]}" | tail -n 1) || fail "submit.sh pbpk-population failed"
read -r parray pmerge <<< "$ids"
state=$(wait_for "$pmerge")
[ "$state" = "COMPLETED" ] || fail "pbpk population merge job $pmerge ended $state"
cmp -s "$work/local-pop.csv" "$work/pop/merged/population.csv" || fail "population.csv of the merge differs from the local run"

# A tiny pretraining sweep (2 seeds, 6 steps each) as an array, then compare-runs (afterany).
cat > "$work/tiny.json" <<'JSON'
{ "name": "tiny", "architecture": { "encoderWidth": 8, "encoderLayers": 1, "summaryDim": 8, "studyLatentDim": 4, "individualLatentDim": 4, "decoderWidth": 16, "decoderLayers": 1, "dropout": 0.1 },
  "training": { "batchSize": 8, "steps": 6, "warmupSteps": 2, "learningRate": 0.003, "checkpointEvery": 3, "validationEvery": 3, "validationStudies": 8 } }
JSON
ids=$(ZSPK="${zspk[*]}" bash "$here/submit.sh" pretrain-sweep 2 "$work/sweep" --config "$work/tiny.json" --prior default | tail -n 1) || fail "submit.sh pretrain-sweep failed"
read -r sarray scompare <<< "$ids"
state=$(wait_for "$scompare")
[ "$state" = "COMPLETED" ] || fail "compare-runs job $scompare ended $state"
[ "$(grep -c ',done,tiny,default,' "$work/sweep/comparison.csv")" -eq 2 ] || fail "comparison.csv does not list 2 finished tiny runs"
report "PASS slurm: array job $array (2 shards) + merge job $merge (afterok) on a local slurmctld/slurmd equal the local run except SECONDS; pbpk population array $parray + merge $pmerge byte-identical; pretrain sweep array $sarray + compare-runs $scompare ($(( $(date +%s) - t0 )) s)"

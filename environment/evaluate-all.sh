#!/usr/bin/env bash
# Regenerates every committed evaluation under data/results/: leave one individual out, K = 4 known samples, all five
# methods, on the two real studies and on the two synthetic benchmark files (data/benchmarks/, see its README).
# The neural ODE runs with its default 300 Adam iterations on the real studies and 60 on the synthetic benchmark
# (179 held-out individuals; 300 would take five times as long on a 2-core machine).
# The real-data benchmark (data/benchmark/, 16 studies) runs every method but the neural ODE on every study (the neural
# ODE takes several minutes per small study and hours on the 120-individual one); NLME and population prediction take
# about 5 minutes there on 2 cores (2026-12-05, at load 6-11), most of it on mavoglurant and quinidine. Regenerated in three runs (the AICMET methods on
# one torch thread, NLME/population with parallel folds, PFF on one torch thread) whose per-method rows are
# concatenated: each method's rows, MEAN and MEDIAN depend only on that method's run.
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build src/ZeroShotPK.Cli -c Release -nologo -clp:ErrorsOnly
zspk() { dotnet src/ZeroShotPK.Cli/bin/Release/net10.0/zspk.dll "$@"; }
# --force: regenerating replaces the committed folders (each only once its new run is complete).
ckpt=data/checkpoints/aicmet-transformer
for d in theophylline indometacin; do
  zspk evaluate --data data/$d.csv --method all --known 4 --checkpoint $ckpt --out data/results/$d --force
done
for d in synthetic-default synthetic-misspecified; do
  zspk evaluate --data data/benchmarks/$d.csv --method all --known 4 --checkpoint $ckpt --node-iterations 60 --out data/results/$d --force
done
# The zero-shot methods alone on the same four files, on one torch thread (data/results/zero-shot/, in the current
# column format): the rows the single-study tables of docs/results.md take for AICMET and PFF.
for d in theophylline indometacin; do
  zspk evaluate --data data/$d.csv --method aicmet,aicmet-nocontext,pff --known 4 --threads 1 --out data/results/zero-shot/$d --force
done
for d in synthetic-default synthetic-misspecified; do
  zspk evaluate --data data/benchmarks/$d.csv --method aicmet,aicmet-nocontext,pff --known 4 --threads 1 --out data/results/zero-shot/$d --force
done
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
zspk evaluate --benchmark data/benchmark --method aicmet,aicmet-nocontext,aicmet-tta,aicmet-small --known 4 --checkpoint $ckpt \
  --threads 1 --out "$tmp/aicmet"
zspk evaluate --benchmark data/benchmark --method nlme,population --known 4 --out "$tmp/nlme"
zspk evaluate --benchmark data/benchmark --method pff,pff-tta --known 4 --threads 1 --out "$tmp/pff"
python3 environment/merge-benchmark.py "$tmp/aicmet" "$tmp/nlme" "$tmp/aicmet-nlme"
python3 environment/merge-benchmark.py "$tmp/aicmet-nlme" "$tmp/pff" data/results/benchmark

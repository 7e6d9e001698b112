#!/usr/bin/env bash
# Regenerates every committed evaluation under data/results/: leave one individual out, K = 4 known samples, all five
# methods, on the two real studies and on the two synthetic benchmark files (data/benchmarks/, see its README).
# The neural ODE runs with its default 300 Adam iterations on the real studies and 60 on the synthetic benchmark
# (179 held-out individuals; 300 would take five times as long on a 2-core machine).
# The real-data benchmark (data/benchmark/, 16 studies) runs AICMET on every study and NLME / population prediction only
# on the studies of up to 6 individuals (their leave-one-out cost grows about as the square of the study size: >15 min
# on one 65-subject study); the neural ODE is left out there (several minutes per small study).
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build src/ZeroShotPK.Cli -c Release -nologo -clp:ErrorsOnly
zspk() { dotnet src/ZeroShotPK.Cli/bin/Release/net10.0/zspk.dll "$@"; }
ckpt=data/checkpoints/aicmet-small
for d in theophylline indometacin; do
  zspk evaluate --data data/$d.csv --method all --known 4 --checkpoint $ckpt --out data/results/$d
done
for d in synthetic-default synthetic-misspecified; do
  zspk evaluate --data data/benchmarks/$d.csv --method all --known 4 --checkpoint $ckpt --node-iterations 60 --out data/results/$d
done
zspk evaluate --benchmark data/benchmark --method aicmet,population,nlme --known 4 --checkpoint $ckpt \
  --max-individuals nlme=6,population=6 --out data/results/benchmark

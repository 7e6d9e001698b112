#!/usr/bin/env bash
# How much of the real-data benchmark's ranking is seed noise: repeats the benchmark runs of evaluate-all.sh (same
# methods, checkpoints, threads and K = 4) with --seed 1..4 and compares them with the committed seed-0 run
# (data/results/benchmark) by 'zspk compare-seeds'. Only each run's benchmark.csv is kept
# (data/results/benchmark-seeds/seed-S/; the per-study prediction files would add 3 MB a run), plus the report seeds.txt.
# About 20 minutes a seed on 2 cores (2026-12-06); a finished seed is not rerun (delete its folder to redo it).
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build src/ZeroShotPK.Cli -c Release -nologo -clp:ErrorsOnly
zspk() { dotnet src/ZeroShotPK.Cli/bin/Release/net10.0/zspk.dll "$@"; }
ckpt=data/checkpoints/aicmet-transformer
out=data/results/benchmark-seeds
mkdir -p $out
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
for s in 1 2 3 4; do
  [ -f $out/seed-$s/benchmark.csv ] && continue
  t=$tmp/seed-$s
  zspk evaluate --benchmark data/benchmark --method aicmet,aicmet-nocontext,aicmet-tta,aicmet-small --known 4 --checkpoint $ckpt \
    --threads 1 --seed $s --out $t/aicmet
  zspk evaluate --benchmark data/benchmark --method nlme,population --known 4 --seed $s --out $t/nlme
  zspk evaluate --benchmark data/benchmark --method pff,pff-tta --known 4 --threads 1 --seed $s --out $t/pff
  python3 environment/merge-benchmark.py $t/aicmet $t/nlme $t/aicmet-nlme
  python3 environment/merge-benchmark.py $t/aicmet-nlme $t/pff $t/all
  mkdir -p $out/seed-$s.partial && cp $t/all/benchmark.csv $out/seed-$s.partial/ && rm -rf $out/seed-$s && mv $out/seed-$s.partial $out/seed-$s
done
zspk compare-seeds data/results/benchmark $out/seed-1 $out/seed-2 $out/seed-3 $out/seed-4 --out $out/seeds.txt --force

#!/usr/bin/env bash
# README command 1: set up (idempotent) and run the main job on the bundled data and checkpoint:
# the paper's leave-one-individual-out evaluation on theophylline and indometacin: the shipped AICMET
# (data/checkpoints/aicmet-transformer: in context, without context, with test-time adaptation), the first model
# (aicmet-small), NLME and population prediction. The neural ODE ('node', about 4-5 minutes on 2 cores: 300 Adam iterations of a
# TorchSharp latent ODE per held-out individual) is opt-in: ZSPK_QUICKSTART_NODE=1 bash environment/quickstart.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
bash environment/setup.sh
zspk() { dotnet run --project src/ZeroShotPK.Cli -c Release --no-build -- "$@"; }
zspk data summary --data data/theophylline.csv
out=${1:-out/quickstart}
methods=aicmet,aicmet-nocontext,aicmet-tta,aicmet-small,pff,pff-tta,nlme,population
[ "${ZSPK_QUICKSTART_NODE:-0}" = 1 ] && methods=all
# --force: a rerun replaces the previous run's folders (zspk refuses to write over an output without it).
for ds in theophylline indometacin; do
  zspk evaluate --data "data/$ds.csv" --method "$methods" --known 4 --out "$out/$ds" --force
done
echo "quickstart: results in $out/*/summary.csv"

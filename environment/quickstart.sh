#!/usr/bin/env bash
# README command 1: set up (idempotent) and run the main job on the bundled data and checkpoint:
# the paper's leave-one-individual-out evaluation on theophylline and indometacin, every method.
set -euo pipefail
cd "$(dirname "$0")/.."
bash environment/setup.sh
zspk() { dotnet run --project src/ZeroShotPK.Cli -c Release --no-build -- "$@"; }
zspk data summary --data data/theophylline.csv
out=${1:-out/quickstart}
for ds in theophylline indometacin; do
  zspk evaluate --data "data/$ds.csv" --method all --known 4 --checkpoint data/checkpoints/aicmet-small --out "$out/$ds"
done
echo "quickstart: results in $out/*/summary.csv"

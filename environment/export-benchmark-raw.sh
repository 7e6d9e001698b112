#!/usr/bin/env bash
# Regenerates the raw source tables of the real-data benchmark under data/raw/ (committed; the tests and
# `zspk data convert-benchmark` need only those files, not R). Needs Rscript with nlme (Debian: r-base-core r-cran-nlme)
# and git snapshots of two public repositories:
#   NLMIXR2DATA_GIT   git directory of github.com/nlmixr2/nlmixr2data (data/*.rda read at HEAD; 2.0.9 was used)
#   PKDB_ANALYSIS_GIT git directory of github.com/matthiaskoenig/pkdb_analysis (files read at commit 7765c64)
# Nothing is converted here: R tables are written as they are (write.csv), PK-DB tables are filtered by row only
# (header lines kept, data lines of the chosen studies and substances kept verbatim). The conversion to event tables
# is C# (ZeroShotPK.Data.BenchmarkConverters).
set -euo pipefail
cd "$(dirname "$0")/.."
: "${NLMIXR2DATA_GIT:?set NLMIXR2DATA_GIT to a git directory of nlmixr2/nlmixr2data}"
: "${PKDB_ANALYSIS_GIT:?set PKDB_ANALYSIS_GIT to a git directory of matthiaskoenig/pkdb_analysis}"
command -v Rscript >/dev/null || { echo "export-benchmark-raw: Rscript not found (apt-get install r-base-core r-cran-nlme)" >&2; exit 1; }
raw=data/raw
mkdir -p "$raw/r" "$raw/nlmixr2data" "$raw/pkdb"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

# 1. R datasets and nlme: the data frames as they are.
Rscript --vanilla -e '
  library(nlme)
  out <- commandArgs(trailingOnly = TRUE)[1]
  w <- function(x, name) write.csv(as.data.frame(x), file.path(out, paste0(name, ".csv")), row.names = FALSE)
  w(datasets::Theoph, "Theoph"); w(datasets::Indometh, "Indometh"); w(nlme::Cefamandole, "Cefamandole")
' "$raw/r"

# 2. nlmixr2data: the .rda files of the snapshot, written as CSV.
for name in mavoglurant warfarin; do
  git --git-dir="$NLMIXR2DATA_GIT" show "HEAD:data/$name.rda" > "$tmp/$name.rda"
  Rscript --vanilla -e 'a <- commandArgs(trailingOnly = TRUE); e <- new.env(); load(a[1], envir = e);
    write.csv(get(a[2], envir = e), a[3], row.names = FALSE)' "$tmp/$name.rda" "$name" "$raw/nlmixr2data/$name.csv"
done
git --git-dir="$NLMIXR2DATA_GIT" log -1 --format='%H' > "$raw/nlmixr2data/COMMIT"

# 3. PK-DB (pkdb_analysis at 7765c64): rows of the chosen studies only.
commit=7765c64
studies='^(Loetsch2006|Heizmann1983|Singla2012|Kietzmann1990|Abernethy1982)\t'
git --git-dir="$PKDB_ANALYSIS_GIT" show "$commit:data/1-preprocessed/timecourses.tsv" \
  | awk -F'\t' -v OFS='\t' 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; print; next }
      $1 ~ /^(Loetsch2006|Heizmann1983|Singla2012|Kietzmann1990|Abernethy1982)$/ && $c["individual_pk"] != "" \
      && $c["substance"] ~ /^(codeine|midazolam|paracetamol)$/ && $c["tissue"] == "plasma" && $c["measurement_type"] == "concentration"' \
  > "$raw/pkdb/timecourses.tsv"
git --git-dir="$PKDB_ANALYSIS_GIT" show "$commit:data/1-preprocessed/interventions.tsv" \
  | awk -v s="$studies" 'NR == 1 || $0 ~ s' > "$raw/pkdb/interventions.tsv"
git --git-dir="$PKDB_ANALYSIS_GIT" show "$commit:data/1-preprocessed/individuals.tsv" \
  | awk -v s="$studies" 'NR <= 3 || $0 ~ s' > "$raw/pkdb/individuals.tsv"
git --git-dir="$PKDB_ANALYSIS_GIT" rev-parse "$commit" > "$raw/pkdb/COMMIT"
echo "export-benchmark-raw: wrote $(find "$raw/r" "$raw/nlmixr2data" "$raw/pkdb" -type f | wc -l) files under $raw"

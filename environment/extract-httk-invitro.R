#!/usr/bin/env Rscript
# Writes data/pbpk/httk_invitro.csv: httk's measured human in vitro values (hepatocyte CLint, its p-value, blood:plasma
# ratio), each with httk's reference, for the drugs of data/pbpk/lombardo2018.csv (joined by CAS).
# Source: httk 2.7.4 (CRAN, GitHub mirror cran/httk commit b0a4933), data/Tables.RData, data frame
# chem.physical_and_invitro.data (stamp "created on 2025-12-04"). A one-off developer step; nothing reads it at run time.
# Usage: Rscript environment/extract-httk-invitro.R TABLES.RData [data/pbpk/lombardo2018.csv] [data/pbpk/httk_invitro.csv]
args <- commandArgs(trailingOnly = TRUE)
if (length(args) < 1) stop("usage: extract-httk-invitro.R TABLES.RData [lombardo2018.csv] [out.csv]")
lombardo <- if (length(args) > 1) args[2] else "data/pbpk/lombardo2018.csv"
out <- if (length(args) > 2) args[3] else "data/pbpk/httk_invitro.csv"
env <- new.env()
load(args[1], envir = env)
d <- env$chem.physical_and_invitro.data
cas <- read.csv(lombardo, colClasses = "character", check.names = FALSE)$cas
m <- d[d$CAS %in% cas & (!is.na(d$Human.Clint) | !is.na(d$Human.Rblood2plasma)), ]
m <- m[order(m$CAS), ]
text <- function(x) ifelse(is.na(x), "", as.character(x))
res <- data.frame(
  cas = m$CAS,
  httk_compound = m$Compound,
  human_clint = text(m$Human.Clint),
  human_clint_pvalue = text(m$Human.Clint.pValue),
  human_clint_reference = text(m$Human.Clint.Reference),
  human_rblood2plasma = text(m$Human.Rblood2plasma),
  human_rblood2plasma_reference = text(m$Human.Rblood2plasma.Reference),
  stringsAsFactors = FALSE)
tmp <- paste0(out, ".tmp")
write.csv(res, tmp, row.names = FALSE, fileEncoding = "UTF-8")
invisible(file.rename(tmp, out))
cat(nrow(res), "rows;", sum(res$human_clint != ""), "with CLint,", sum(res$human_rblood2plasma != ""), "with B:P\n")

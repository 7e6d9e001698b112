#!/usr/bin/env Rscript
# Peer for `zspk bench nlme`: R nlme (Lindstrom-Bates, ML) on the same NONMEM-style CSV, model and starting values.
# Usage: Rscript nlme_peer.R --data FILE --model ssfol|fol1 --start a,b,c --repeats N
#   ssfol: conc ~ SSfol(Dose per kg, Time, lKe, lKa, lCl), random = pdDiag(lKa + lCl ~ 1), all rows (TIME 0 included);
#   fol1:  one compartment, first-order absorption, lCL, lV, lKa all random (pdDiag), samples after the dose.
# Prints key=value lines: ms and cpu_ms (median elapsed and CPU time per fit), theta, omega, sigma, loglik, status.
suppressPackageStartupMessages(library(nlme))
args <- commandArgs(trailingOnly = TRUE)
opt <- function(name, default = NULL) {
  i <- match(paste0("--", name), args)
  if (is.na(i)) default else args[i + 1]
}
path <- opt("data"); model <- opt("model", "fol1"); repeats <- as.integer(opt("repeats", "5"))
start <- as.numeric(strsplit(opt("start"), ",")[[1]])
raw <- read.csv(path, na.strings = ".")
doses <- raw[raw$EVID == 1, ]
dose <- tapply(doses$AMT, doses$ID, sum)
obs <- raw[raw$EVID == 0, ]
obs$Dose <- as.numeric(dose[as.character(obs$ID)])
if (model == "ssfol") {
  obs$Dose <- obs$Dose / obs$WT
  d <- groupedData(DV ~ TIME | ID, data = data.frame(ID = obs$ID, TIME = obs$TIME, DV = obs$DV, Dose = obs$Dose))
  names(start) <- c("lKe", "lKa", "lCl")
  fit1 <- function() nlme(DV ~ SSfol(Dose, TIME, lKe, lKa, lCl), data = d, fixed = lKe + lKa + lCl ~ 1,
                          random = pdDiag(lKa + lCl ~ 1), start = start, method = "ML")
} else {
  obs <- obs[obs$TIME > 0, ]
  d <- groupedData(DV ~ TIME | ID, data = data.frame(ID = obs$ID, TIME = obs$TIME, DV = obs$DV, Dose = obs$Dose))
  names(start) <- c("lCL", "lV", "lKa")
  fit1 <- function() nlme(DV ~ Dose * exp(lKa) / (exp(lV) * (exp(lKa) - exp(lCL - lV))) *
                            (exp(-exp(lCL - lV) * TIME) - exp(-exp(lKa) * TIME)),
                          data = d, fixed = lCL + lV + lKa ~ 1, random = pdDiag(lCL + lV + lKa ~ 1),
                          start = start, method = "ML")
}
fit <- tryCatch(fit1(), error = function(e) e)
if (inherits(fit, "error")) {
  cat("status=error", gsub("[\r\n]", " ", conditionMessage(fit)), "\n")
  quit(status = 0)
}
times <- numeric(repeats); cpu <- numeric(repeats)
for (r in seq_len(repeats)) {
  t0 <- proc.time()
  fit <- fit1()
  t1 <- proc.time()
  times[r] <- 1000 * (t1[["elapsed"]] - t0[["elapsed"]])
  cpu[r] <- 1000 * (t1[["user.self"]] + t1[["sys.self"]] - t0[["user.self"]] - t0[["sys.self"]])
}
f <- function(x) paste(trimws(formatC(x, digits = 8, format = "g")), collapse = ",")
cat("status=ok\n")
cat(sprintf("ms=%s\n", f(median(times))))
cat(sprintf("cpu_ms=%s\n", f(median(cpu))))
cat(sprintf("theta=%s\n", f(fixef(fit))))
cat(sprintf("omega=%s\n", f(as.numeric(VarCorr(fit)[seq_len(length(ranef(fit))), "Variance"]))))
cat(sprintf("sigma=%s\n", f(fit$sigma)))
cat(sprintf("loglik=%s\n", f(as.numeric(logLik(fit)))))
cat(sprintf("observations=%d\n", nrow(d)))

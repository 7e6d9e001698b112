#!/usr/bin/env python3
"""Builds data/pbpk/real_drugs.csv from the committed transcription of the Lombardo 2018 table (its 10 kept columns) (no download at run time).

Rules (also in data/pbpk/README.md):
- keep a drug only if observed VDss, CL and fu are all given (fu is needed by both Kp methods);
- drop MoKa logP = -9 or "n/a" (no prediction; "n/a" marks the metal complexes and polymers that the
  full table holds, e.g. carboplatin and the gadolinium agents) and zwitterions (our Compound has neutral,
  acid and base only);
- class: MoKa ion state at pH 7.4, neutral -> neutral, anionic -> acid, cationic -> base;
- pKa: the monoprotic pKa that reproduces MoKa's own logD7.4 from its logP,
  acid pKa = 7.4 - log10(10^(logP - logD) - 1), base pKa = 7.4 + log10(10^(logP - logD) - 1);
  an ion whose logP - logD < 0.01 has no defined pKa this way and is dropped;
- B:P and hepatocyte CLint are not in Lombardo: they come from data/pbpk/httk_invitro.csv (httk's measured human
  values, joined by CAS; see environment/extract-httk-invitro.R). CLint given as "median,lower,upper,p" (httk's Bayesian
  estimates) uses the median; a CLint whose p-value (4th field, or the human_clint_pvalue column) exceeds 0.05 is set to 0,
  httk's default rule (clearance not distinguishable from none). Drugs without them keep the columns empty.
Usage: python3 environment/join-real-drugs.py [lombardo2018.csv] [out.csv] [httk_invitro.csv]
"""
import csv
import math
import sys

src = sys.argv[1] if len(sys.argv) > 1 else "data/pbpk/lombardo2018.csv"
out = sys.argv[2] if len(sys.argv) > 2 else "data/pbpk/real_drugs.csv"
httk_path = sys.argv[3] if len(sys.argv) > 3 else "data/pbpk/httk_invitro.csv"
PVALUE_LIMIT = 0.05  # httk's clint.pvalue.threshold


def clint_of(row):
    """(CLint in uL/min per 10^6 cells as text, reference) or ("", "") when httk has none."""
    text = row["human_clint"]
    if not text:
        return "", ""
    parts = [float(x) for x in text.split(",")]
    median = parts[0]
    p = parts[3] if len(parts) == 4 else (float(row["human_clint_pvalue"]) if row["human_clint_pvalue"] else None)
    if len(parts) not in (1, 4):
        raise SystemExit(f"{httk_path}: CAS {row['cas']}: human_clint '{text}' is neither one value nor median,lower,upper,p")
    if p is not None and p > PVALUE_LIMIT:
        median = 0.0
    return f"{median:g}", row["human_clint_reference"]


httk = {}
with open(httk_path, newline="", encoding="utf-8") as f:
    for row in csv.DictReader(f):
        clint, clint_ref = clint_of(row)
        bp = row["human_rblood2plasma"]
        httk[row["cas"]] = (clint, clint_ref, bp, row["human_rblood2plasma_reference"] if bp else "")
CLASS = {"neutral": "neutral", "anionic": "acid", "cationic": "base"}
kept, dropped = [], {}


def drop(why):
    dropped[why] = dropped.get(why, 0) + 1


with open(src, newline="", encoding="utf-8") as f:
    for row in csv.DictReader(f):
        name = row["name"].strip()
        vss, cl, fu = row["vdss_L_per_kg"], row["cl_mL_min_kg"], row["fu"]
        if not (vss and cl and fu):
            drop("VDss, CL or fu missing")
            continue
        if row["moka_logP"] == "n/a":
            drop("no MoKa prediction (n/a)")
            continue
        logp, logd = float(row["moka_logP"]), float(row["moka_logD_7.4"])
        if logp == -9:
            drop("no MoKa logP (-9)")
            continue
        state = row["moka_ion_state_7.4"]
        if state not in CLASS:
            drop(f"{state} (no such class here)")
            continue
        cls = CLASS[state]
        pka = ""
        if cls != "neutral":
            diff = logp - logd
            if diff < 0.01:
                drop("ion with logP - logD < 0.01 (pKa undefined)")
                continue
            shift = math.log10(10 ** diff - 1)
            pka = f"{7.4 - shift if cls == 'acid' else 7.4 + shift:.2f}"
        clint, clint_ref, bp, bp_ref = httk.get(row["cas"], ("", "", "", ""))
        kept.append([name, row["cas"], cls, f"{logp:g}", pka, fu, bp, vss, cl, row["t_half_h"], clint, state, clint_ref, bp_ref])

with open(out, "w", newline="", encoding="utf-8") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["name", "cas", "class", "logP", "pKa", "fu", "blood_plasma_ratio", "vss_L_per_kg",
                "cl_mL_min_kg", "t_half_h", "clint_uL_min_per_1e6_cells", "moka_ion_state", "clint_reference",
                "blood_plasma_reference"])
    w.writerows(kept)
print(f"{sum(1 for k in kept if k[10])} with CLint ({sum(1 for k in kept if k[10] == '0')} of them 0), {sum(1 for k in kept if k[6])} with B:P")
print(f"{len(kept)} drugs kept; dropped: " + ", ".join(f"{v} {k}" for k, v in sorted(dropped.items())))

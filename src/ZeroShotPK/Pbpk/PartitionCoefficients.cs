namespace ZeroShotPK.Pbpk;

/// <summary>How tissue:plasma partition coefficients are predicted.</summary>
public enum PartitionMethod
{
    /// <summary>Poulin &amp; Theil (2002): lipid and water solubility, tissue binding from plasma binding.</summary>
    PoulinTheil,
    /// <summary>Rodgers &amp; Rowland (2005 strong bases; 2006 acids, neutrals and weak bases).</summary>
    RodgersRowland,
}

/// <summary>
/// Mechanistic tissue:plasma partition coefficients (Kp, total tissue over total plasma concentration) from logP,
/// pKa, fu and tissue composition (data/pbpk/composition_*.csv). Adipose uses the vegetable-oil:water coefficient
/// log Pvo = 1.115 log P - 1.35 in both methods.
/// </summary>
public static class PartitionCoefficients
{
    /// <summary>Plasma pH.</summary>
    public const double PlasmaPh = 7.4;
    /// <summary>Intracellular water pH (Rodgers &amp; Rowland).</summary>
    public const double IntracellularPh = 7.0;
    /// <summary>Erythrocyte pH (Rodgers &amp; Rowland).</summary>
    public const double ErythrocytePh = 7.22;
    /// <summary>Rodgers &amp; Rowland bases with pKa at or above this use the acidic-phospholipid (2005) equation.</summary>
    public const double StrongBasePka = 7.0;

    private static readonly Lazy<Dictionary<string, double[]>> PtComposition = new(() => ReadComposition("composition_poulin_theil.csv", 3));
    private static readonly Lazy<Dictionary<string, double[]>> RrComposition = new(() => ReadComposition("composition_rodgers_rowland.csv", 8));

    /// <summary>Kp by <see cref="Tissue"/> with the chosen method.</summary>
    /// <param name="compound">Drug properties.</param>
    /// <param name="method">Prediction method.</param>
    /// <param name="hematocrit">Hematocrit (Rodgers &amp; Rowland use it to derive erythrocyte binding of bases).</param>
    public static double[] Predict(Compound compound, PartitionMethod method, double hematocrit = 0.45) => method switch
    {
        PartitionMethod.PoulinTheil => PoulinTheil(compound),
        PartitionMethod.RodgersRowland => RodgersRowland(compound, hematocrit),
        _ => throw new ArgumentOutOfRangeException(nameof(method)),
    };

    /// <summary>
    /// Poulin &amp; Theil (2002): Kp = [P(Vn,t + 0.3 Vph,t) + Vw,t + 0.7 Vph,t] / [P(Vn,p + 0.3 Vph,p) + Vw,p + 0.7 Vph,p] * fu,p / fu,t
    /// with 1/fu,t = 1 + 0.5 (1 - fu,p)/fu,p (tissue albumin at half the plasma level). Adipose uses the ionisation-corrected
    /// vegetable-oil coefficient D*vo instead of P and no tissue binding (fu,t = 1).
    /// </summary>
    public static double[] PoulinTheil(Compound c)
    {
        c.Validate();
        var comp = PtComposition.Value;
        var p = Math.Pow(10, c.LogP);
        var dvo = Math.Pow(10, 1.115 * c.LogP - 1.35) / Ionisation(c, PlasmaPh);
        var fut = 1 / (1 + 0.5 * (1 - c.Fu) / c.Fu);
        var plasma = comp["Plasma"];
        var kp = new double[Tissues.Count];
        foreach (var t in Tissues.All)
        {
            var x = comp[t.ToString()];
            var pp = t == Tissue.Adipose ? dvo : p;
            double Sol(double[] v) => pp * (v[1] + 0.3 * v[2]) + v[0] + 0.7 * v[2];
            // Adipose has no binding proteins in Poulin & Theil: fu,t = 1, so only fu,p multiplies.
            kp[(int)t] = Sol(x) / Sol(plasma) * (t == Tissue.Adipose ? c.Fu : c.Fu / fut);
        }
        return kp;
    }

    /// <summary>
    /// Rodgers &amp; Rowland unbound partition coefficients Kpu, returned as Kp = fu Kpu. With X, Y = 1 + ionised/unionised
    /// ratio at intracellular and plasma pH, and P the octanol:water (adipose: vegetable-oil:water) coefficient:
    /// Kpu = fEW + X/Y fIW + (P fNL + (0.3 P + 0.7) fNP)/Y + binding. Moderate-to-strong bases (pKa &gt;= 7; Rodgers, Leahy
    /// &amp; Rowland 2005) bind acidic phospholipids: binding = Ka,AP [AP] (X - 1)/Y, with Ka,AP from the erythrocyte
    /// partition implied by the blood:plasma ratio and <paramref name="hematocrit"/>. Acids, weak bases and neutrals
    /// (Rodgers &amp; Rowland 2006) bind plasma proteins: binding = (1/fu - 1 - (P fNL,p + (0.3 P + 0.7) fNP,p)/Y) times
    /// the tissue:plasma albumin ratio (acids and weak bases) or lipoprotein ratio (neutrals). Each equation uses the water of
    /// its own paper: the 2005 one fEW and fIW as printed in 2005; the 2006 one the total tissue water corrected for residual
    /// blood (2006 Table 1), split as fIW = total - fEW (as PK-Sim does), which is lower in blood-rich tissues (heart, lung,
    /// spleen) and reproduces the published 2006 Kpu.
    /// </summary>
    public static double[] RodgersRowland(Compound c, double hematocrit = 0.45)
    {
        c.Validate();
        if (!(hematocrit > 0 && hematocrit < 1)) throw new ArgumentOutOfRangeException(nameof(hematocrit), hematocrit, "hematocrit must be in (0, 1).");
        var comp = RrComposition.Value;
        var logP = c.LogP;
        var y = Ionisation(c, PlasmaPh);
        var xIw = Ionisation(c, IntracellularPh);
        var plasma = comp["Plasma"];
        double Lipid(double[] v, double pp) => (pp * v[2] + (0.3 * pp + 0.7) * v[3]) / y;
        var kp = new double[Tissues.Count];
        var strongBase = c.Class == IonClass.Base && c.Pka >= StrongBasePka;
        double kaAp = 0;
        if (strongBase)
        {
            var bc = comp["Erythrocytes"];
            var xBc = Ionisation(c, ErythrocytePh);
            var kpuBc = (hematocrit - 1 + c.BloodPlasmaRatio) / (hematocrit * c.Fu);
            var p = Math.Pow(10, logP);
            kaAp = (kpuBc - xBc / y * bc[1] - Lipid(bc, p)) * y / (bc[4] * (xBc - 1));
            if (kaAp < 0)
                throw new ArgumentException($"compound '{c.Name}': Rodgers & Rowland give negative acidic-phospholipid affinity ({kaAp:G3}); the blood:plasma ratio {c.BloodPlasmaRatio} is too low for logP {logP} and fu {c.Fu}.");
        }
        foreach (var t in Tissues.All)
        {
            var v = comp[t.ToString()];
            var pp = t == Tissue.Adipose ? Math.Pow(10, 1.115 * logP - 1.35) : Math.Pow(10, logP);
            var fIw = strongBase ? v[1] : v[7] - v[0];
            var kpu = v[0] + xIw / y * fIw + Lipid(v, pp);
            if (strongBase)
                kpu += kaAp * v[4] * (xIw - 1) / y;
            else
            {
                var binding = 1 / c.Fu - 1 - Lipid(plasma, pp);
                if (binding < 0)
                    throw new ArgumentException($"compound '{c.Name}': Rodgers & Rowland give negative plasma protein binding ({binding:G3}) in {t}; fu {c.Fu} is too high for logP {logP}.");
                kpu += binding * (c.Class == IonClass.Neutral ? v[6] : v[5]);
            }
            kp[(int)t] = kpu * c.Fu;
        }
        return kp;
    }

    /// <summary>1 + ionised/unionised ratio at <paramref name="ph"/> (1 for neutrals).</summary>
    public static double Ionisation(Compound c, double ph) => c.Class switch
    {
        IonClass.Acid => 1 + Math.Pow(10, ph - c.Pka!.Value),
        IonClass.Base => 1 + Math.Pow(10, c.Pka!.Value - ph),
        _ => 1,
    };

    private static Dictionary<string, double[]> ReadComposition(string file, int columns)
    {
        var result = new Dictionary<string, double[]>();
        var lineNo = 0;
        var header = true;
        foreach (var raw in BundledData.ReadText(file).Split('\n'))
        {
            lineNo++;
            var line = raw.TrimEnd('\r');
            if (line.Length == 0 || line.StartsWith('#')) continue;
            if (header) { header = false; continue; }
            var c = line.Split(',');
            if (c.Length != columns + 2) throw new FormatException($"data/pbpk/{file} line {lineNo}: expected {columns + 2} columns, got {c.Length}.");
            result[c[0]] = Enumerable.Range(1, columns).Select(i => PhysiologyTable.ParseNumber(c[i], file, lineNo, i + 1, "composition")).ToArray();
        }
        foreach (var t in Tissues.All)
            if (!result.ContainsKey(t.ToString())) throw new FormatException($"data/pbpk/{file}: no row for tissue {t}.");
        return result;
    }
}

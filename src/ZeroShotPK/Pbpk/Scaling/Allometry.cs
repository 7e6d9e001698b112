namespace ZeroShotPK.Pbpk.Scaling;

/// <summary>A power law y = Coefficient x BW^Exponent (BW in kg).</summary>
/// <param name="Coefficient">Value at 1 kg.</param>
/// <param name="Exponent">Allometric exponent.</param>
public readonly record struct PowerLaw(double Coefficient, double Exponent)
{
    /// <summary>The value at body weight <paramref name="bodyWeight"/> (kg).</summary>
    public double At(double bodyWeight) => Coefficient * Math.Pow(bodyWeight, Exponent);
}

/// <summary>How the rule of exponents corrected the simple allometric fit.</summary>
public enum ExponentRule
{
    /// <summary>Exponent below 0.55: simple allometry used, but the rule warns it may under-predict.</summary>
    LowExponent,
    /// <summary>Exponent 0.55 to 0.70: simple allometry.</summary>
    Simple,
    /// <summary>Exponent above 0.70 to 1.0: clearance times maximum life-span potential.</summary>
    MaximumLifeSpan,
    /// <summary>Exponent above 1.0 to 1.3: clearance times brain weight.</summary>
    BrainWeight,
    /// <summary>Exponent above 1.3: the rule says do not predict; brain-weight correction used anyway and flagged.</summary>
    TooSteep,
}

/// <summary>Result of <see cref="Allometry.RuleOfExponents"/>.</summary>
/// <param name="Prediction">Predicted human clearance (same unit as the animal values).</param>
/// <param name="Exponent">Exponent of the simple allometric fit that chose the rule.</param>
/// <param name="Rule">Correction applied.</param>
public readonly record struct RuleOfExponentsResult(double Prediction, double Exponent, ExponentRule Rule);

/// <summary>
/// Classical interspecies scaling: simple allometry (least squares of log y on log BW), fixed-exponent allometry,
/// single-species scaling and the rule of exponents (Mahmood &amp; Balian 1996). Inputs are reference-individual
/// values per species; body weights in kg.
/// </summary>
public static class Allometry
{
    /// <summary>Fits log10 y = log10 a + b log10 BW by least squares.</summary>
    /// <exception cref="ArgumentException">Fewer than two points, unequal lengths, a non-positive value, or all body weights equal.</exception>
    public static PowerLaw Fit(IReadOnlyList<double> bodyWeights, IReadOnlyList<double> values)
    {
        Check(bodyWeights, values, 2);
        var x = bodyWeights.Select(Math.Log10).ToArray();
        var y = values.Select(Math.Log10).ToArray();
        double mx = x.Average(), my = y.Average(), sxx = 0, sxy = 0;
        for (var i = 0; i < x.Length; i++) { sxx += (x[i] - mx) * (x[i] - mx); sxy += (x[i] - mx) * (y[i] - my); }
        if (!(sxx > 0)) throw new ArgumentException("bodyWeights: at least two different body weights are needed to fit an exponent.", nameof(bodyWeights));
        var b = sxy / sxx;
        return new PowerLaw(Math.Pow(10, my - b * mx), b);
    }

    /// <summary>Fits the coefficient of y = a BW^exponent (geometric mean of y / BW^exponent).</summary>
    /// <exception cref="ArgumentException">No point, unequal lengths or a non-positive value.</exception>
    public static PowerLaw FitFixedExponent(IReadOnlyList<double> bodyWeights, IReadOnlyList<double> values, double exponent)
    {
        Check(bodyWeights, values, 1);
        var logA = bodyWeights.Zip(values, (w, v) => Math.Log10(v) - exponent * Math.Log10(w)).Average();
        return new PowerLaw(Math.Pow(10, logA), exponent);
    }

    /// <summary>Single-species scaling: value x (target BW / animal BW)^exponent.</summary>
    public static double SingleSpecies(double value, double animalBodyWeight, double targetBodyWeight, double exponent) =>
        value * Math.Pow(targetBodyWeight / animalBodyWeight, exponent);

    /// <summary>
    /// Rule of exponents (Mahmood &amp; Balian 1996) for clearance: fit simple allometry; by its exponent b use it as
    /// is (b &lt;= 0.70), fit CL x MLP and divide by the target's MLP (0.70 &lt; b &lt;= 1.0), or fit CL x brain weight and
    /// divide by the target's brain weight (b &gt; 1.0). Below 0.55 and above 1.3 the rule advises against the
    /// prediction; it is still made and flagged (<see cref="ExponentRule.LowExponent"/>, <see cref="ExponentRule.TooSteep"/>).
    /// </summary>
    /// <param name="animals">Animal species (at least three, as the rule asks).</param>
    /// <param name="clearances">Their clearances.</param>
    /// <param name="target">Species predicted.</param>
    /// <exception cref="ArgumentException">Fewer than three animals or unequal lengths.</exception>
    public static RuleOfExponentsResult RuleOfExponents(IReadOnlyList<SpeciesDescriptor> animals, IReadOnlyList<double> clearances, SpeciesDescriptor target)
    {
        if (animals.Count < 3) throw new ArgumentException($"animals: the rule of exponents needs at least 3 species, got {animals.Count}.", nameof(animals));
        var bw = animals.Select(a => a.BodyWeight).ToArray();
        var simple = Fit(bw, clearances);
        var b = simple.Exponent;
        var rule = b < 0.55 ? ExponentRule.LowExponent : b <= 0.70 ? ExponentRule.Simple : b <= 1.0 ? ExponentRule.MaximumLifeSpan
            : b <= 1.3 ? ExponentRule.BrainWeight : ExponentRule.TooSteep;
        var prediction = rule switch
        {
            ExponentRule.LowExponent or ExponentRule.Simple => simple.At(target.BodyWeight),
            ExponentRule.MaximumLifeSpan => Fit(bw, clearances.Select((c, i) => c * animals[i].MaximumLifeSpan).ToArray()).At(target.BodyWeight) / target.MaximumLifeSpan,
            _ => Fit(bw, clearances.Select((c, i) => c * animals[i].BrainWeight).ToArray()).At(target.BodyWeight) / target.BrainWeight,
        };
        return new RuleOfExponentsResult(prediction, b, rule);
    }

    private static void Check(IReadOnlyList<double> bodyWeights, IReadOnlyList<double> values, int min)
    {
        if (bodyWeights.Count != values.Count) throw new ArgumentException($"bodyWeights ({bodyWeights.Count}) and values ({values.Count}) must have the same length.", nameof(values));
        if (bodyWeights.Count < min) throw new ArgumentException($"values: at least {min} species needed, got {bodyWeights.Count}.", nameof(values));
        for (var i = 0; i < values.Count; i++)
        {
            if (!(bodyWeights[i] > 0) || !double.IsFinite(bodyWeights[i])) throw new ArgumentException($"bodyWeights[{i}] = {bodyWeights[i]}: expected a finite value > 0.", nameof(bodyWeights));
            if (!(values[i] > 0) || !double.IsFinite(values[i])) throw new ArgumentException($"values[{i}] = {values[i]}: expected a finite value > 0 (allometry works on logs).", nameof(values));
        }
    }
}

/// <summary>Accuracy of a set of predictions against observations, as reported in cross-species scaling papers.</summary>
/// <param name="Count">Number of predictions.</param>
/// <param name="Aafe">Absolute average fold error 10^mean|log10(pred/obs)| (1 is perfect).</param>
/// <param name="Afe">Average fold error 10^mean log10(pred/obs) (bias: above 1 over-predicts).</param>
/// <param name="Within2Fold">Fraction with fold error &lt;= 2.</param>
/// <param name="Within3Fold">Fraction with fold error &lt;= 3.</param>
public sealed record FoldErrorSummary(int Count, double Aafe, double Afe, double Within2Fold, double Within3Fold)
{
    /// <summary>Fold error max(pred/obs, obs/pred), &gt;= 1.</summary>
    /// <exception cref="ArgumentException">A value not finite and positive.</exception>
    public static double FoldError(double predicted, double observed)
    {
        if (!(predicted > 0) || !double.IsFinite(predicted)) throw new ArgumentException($"predicted = {predicted}: expected a finite value > 0.", nameof(predicted));
        if (!(observed > 0) || !double.IsFinite(observed)) throw new ArgumentException($"observed = {observed}: expected a finite value > 0.", nameof(observed));
        var r = predicted / observed;
        return r >= 1 ? r : 1 / r;
    }

    /// <summary>
    /// Paired comparison of two methods on the same compounds: AAFE(A) / AAFE(B) = 10^mean(|log10 A/obs| - |log10 B/obs|)
    /// with a normal 95 % interval of that mean (below 1: A is more accurate).
    /// </summary>
    /// <exception cref="ArgumentException">Unequal lengths, fewer than two compounds, or a value not finite and positive.</exception>
    public static (double Ratio, double Lower, double Upper) PairedAafeRatio(IReadOnlyList<double> a, IReadOnlyList<double> b, IReadOnlyList<double> observed)
    {
        if (a.Count != observed.Count || b.Count != observed.Count) throw new ArgumentException($"a ({a.Count}), b ({b.Count}) and observed ({observed.Count}) must have the same length.", nameof(observed));
        if (observed.Count < 2) throw new ArgumentException("observed: at least two compounds are needed for an interval.", nameof(observed));
        var d = observed.Select((o, i) => Math.Log10(FoldError(a[i], o)) - Math.Log10(FoldError(b[i], o))).ToArray();
        var m = d.Average();
        var se = Math.Sqrt(d.Sum(v => (v - m) * (v - m)) / (d.Length - 1) / d.Length);
        return (Math.Pow(10, m), Math.Pow(10, m - 1.959964 * se), Math.Pow(10, m + 1.959964 * se));
    }

    /// <summary>Summarises paired predictions and observations.</summary>
    /// <exception cref="ArgumentException">Unequal lengths, no pair, or a value not finite and positive.</exception>
    public static FoldErrorSummary Of(IReadOnlyList<double> predicted, IReadOnlyList<double> observed)
    {
        if (predicted.Count != observed.Count) throw new ArgumentException($"predicted ({predicted.Count}) and observed ({observed.Count}) must have the same length.", nameof(observed));
        if (predicted.Count == 0) throw new ArgumentException("predicted: at least one pair is needed.", nameof(predicted));
        double sumAbs = 0, sum = 0;
        int w2 = 0, w3 = 0;
        for (var i = 0; i < predicted.Count; i++)
        {
            var fe = FoldError(predicted[i], observed[i]);
            var l = Math.Log10(predicted[i] / observed[i]);
            sumAbs += Math.Abs(l); sum += l;
            // A hair of tolerance so an exact 2-fold is counted within 2-fold despite rounding.
            if (fe <= 2 * (1 + 1e-12)) w2++;
            if (fe <= 3 * (1 + 1e-12)) w3++;
        }
        var n = predicted.Count;
        return new FoldErrorSummary(n, Math.Pow(10, sumAbs / n), Math.Pow(10, sum / n), (double)w2 / n, (double)w3 / n);
    }
}

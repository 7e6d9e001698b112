using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.Optimization;
using ZeroShotPK.Analysis;
using ZeroShotPK.Data;

namespace ZeroShotPK.Models.Baselines;

/// <summary>Settings of a population fit (FOCE-I or Lindstrom-Bates).</summary>
public sealed class NlmeOptions
{
    /// <summary>
    /// Keep observations taken at or before an individual's first dose in the likelihood. Off by default: the model
    /// predicts 0 there, so a positive pre-dose level (residual from earlier intake) is not information about the
    /// model's parameters. On reproduces R nlme fits that use every row (theophylline's TIME 0 samples).
    /// </summary>
    public bool IncludePreDose { get; init; }

    /// <summary>
    /// Starting Theta (log scale, model order); null = two starts, the naive pooled fit of the data and the NCA guess it
    /// starts from, of which <see cref="Focei.Fit"/> keeps the higher likelihood (Lindstrom-Bates uses the pooled one).
    /// </summary>
    public double[]? InitialTheta { get; init; }

    /// <summary>
    /// A whole starting point (Theta, Omega, Sigma), e.g. the <see cref="NlmeFit.Population"/> of a fit of a sub-study: one
    /// start from there instead of <see cref="InitialTheta"/>/<see cref="InitialOmega"/> (a warm start). Null = none.
    /// </summary>
    public PopulationValues? Start { get; init; }

    /// <summary>Starting Eta per individual id for the inner problems of a warm start (with <see cref="Start"/>).</summary>
    internal IReadOnlyDictionary<string, double[]>? StartEtas { get; init; }

    /// <summary>Starting Omega variances for the parameters with random effects; null = 0.09 each.</summary>
    public double[]? InitialOmega { get; init; }

    /// <summary>
    /// FOCE-I's outer gradient by central differences of the objective (2 inner re-optimisations per parameter) instead
    /// of the exact one: the comparison baseline of tests and <c>zspk bench nlme</c>.
    /// </summary>
    public bool CentralDifferenceGradient { get; init; }

    /// <summary>Iteration cap of the outer (population) optimisation.</summary>
    public int MaxIterations { get; init; } = 400;

    /// <summary>
    /// How samples below the limit of quantification enter the likelihood (population fit and empirical-Bayes step):
    /// <see cref="BlqMethod.M3"/> (default) or <see cref="BlqMethod.Drop"/>.
    /// </summary>
    public BlqMethod Blq { get; init; } = BlqMethod.M3;
}

/// <summary>Treatment of BLQ (censored) samples by the NLME estimators.</summary>
public enum BlqMethod
{
    /// <summary>
    /// Beal's M3: a BLQ sample contributes P(y &lt; LLOQ | Eta) = Φ((LLOQ - f) / sqrt(Var(y | f))) from the residual
    /// error model, in the FOCE-I objective and in the MAP step. The limit is the sample's LLOQ, or its reported value
    /// when no LLOQ is given (an error when that is not positive).
    /// </summary>
    M3,
    /// <summary>Beal's M1: BLQ samples are discarded (biased when censoring is heavy; kept for comparison).</summary>
    Drop,
}

/// <summary>
/// First-order conditional estimation with interaction (FOCE-I). For each individual the inner problem finds the
/// conditional mode of Eta (empirical-Bayes / MAP); the marginal likelihood is the Laplace approximation with the
/// Gauss-Newton Hessian J'R⁻¹J + Ω⁻¹ evaluated at that mode, with the residual variance R taken at the individual
/// prediction (the interaction). The outer problem maximises it over Theta, log Omega and log Sigma with BFGS on its
/// exact gradient (<see cref="FoceiGradient"/>; central differences where the closed form's Jacobian does not apply). BLQ samples enter by Beal's M3 by default
/// (<see cref="NlmeOptions.Blq"/>): each adds -2 log Φ((LLOQ - f) / sqrt(R)) to the conditional objective and its
/// Gauss-Newton curvature to the Hessian, so the mode and the Laplace likelihood both account for the censoring.
/// </summary>
public static class Focei
{
    /// <summary>Fits <paramref name="model"/> to every individual of <paramref name="study"/>.</summary>
    /// <exception cref="ArgumentException">No usable observation, or a starting value of the wrong length.</exception>
    public static NlmeFit Fit(NlmeModel model, Study study, NlmeOptions? options = null) =>
        FitEachStart(model, study, options).MaxBy(f => f.LogLikelihood)!;

    // One fit per starting point (first the best is kept on ties): the leave-one-out warm starts restart from each.
    internal static IReadOnlyList<NlmeFit> FitEachStart(NlmeModel model, Study study, NlmeOptions? options = null)
    {
        options ??= new NlmeOptions();
        var data = study.Individuals.Select(i => IndividualData.From(i, options.IncludePreDose, options.Blq)).ToArray();
        if (data.All(d => d.Censored.All(c => c)))
            throw new ArgumentException($"study '{study.Name}': no quantified (non-BLQ) observation is usable for an NLME fit{(options.IncludePreDose ? "" : " (pre-dose samples are excluded)")}.");
        int p = model.ParameterNames.Count;

        // Without a given start, two: the naive pooled fit and the raw NCA guess. The pooled fit can run off along a flat
        // direction (Ka to e^7 on biphasic oral data, the model then an IV bolus) into a basin whose FOCE-I optimum was 20
        // units of -2LL worse than the one reached from the NCA guess; the better optimum is kept.
        double[][] starts = options.Start is { } warmStart ? [warmStart.Theta] : options.InitialTheta is { } given ? [given] : StartingThetas(model, data);
        if (starts[0].Length != p) throw new ArgumentException($"InitialTheta needs {p} entries ({string.Join(", ", model.ParameterNames)}), got {starts[0].Length}.", nameof(options));
        return starts.Select(start => FitFrom(model, study, options, data, start)).ToArray();
    }

    private static NlmeFit FitFrom(NlmeModel model, Study study, NlmeOptions options, IndividualData[] data, double[] theta0)
    {
        int nObs = data.Sum(d => d.Y.Length);
        int p = model.ParameterNames.Count, q = model.RandomIndex.Length;
        bool add = model.Error != ResidualError.Proportional, prop = model.Error != ResidualError.Additive;
        double[] omega0 = options.Start?.Omega ?? options.InitialOmega ?? Enumerable.Repeat(0.09, q).ToArray();
        if (omega0.Length != q || omega0.Any(w => !(w > 0))) throw new ArgumentException($"InitialOmega needs {q} positive variances, got [{string.Join(", ", omega0)}].", nameof(options));

        double medianY = Median(data.SelectMany(d => d.Quantified()).Where(y => y > 0).DefaultIfEmpty(1).ToArray());
        var x0 = new List<double>(theta0);
        x0.AddRange(omega0.Select(w => 0.5 * Math.Log(w)));
        if (add) x0.Add(Math.Log(options.Start is { SigmaAdd: > 0 } sa ? sa.SigmaAdd : (prop ? 0.02 : 0.1) * medianY));
        if (prop) x0.Add(Math.Log(options.Start is { SigmaProp: > 0 } sp ? sp.SigmaProp : 0.1));

        var warm = data.Select(d => options.StartEtas is { } e && e.TryGetValue(d.Individual.Id, out var eta) && eta.Length == q
            ? (double[])eta.Clone() : new double[q]).ToArray();
        var objective = new FoceiObjective(model, data, warm);
        // Exact outer gradient where the closed form's forward-mode Jacobian covers every individual (checked at the start);
        // else central differences of the objective.
        bool exact = !options.CentralDifferenceGradient && data.All(d => d.T.Length == 0 || model.TryPredictWithJacobian(Conditional.Phi(model, theta0, new double[q]), d.Individual, d.T,
            new double[d.T.Length], new double[d.T.Length * p]));

        // Theta within +-5 (a factor of 150) of its start; Omega SD in [0.01, 3]; Sigma over 4 decades.
        var lower = theta0.Select(v => v - 5).Concat(Enumerable.Repeat(Math.Log(0.01), q)).ToList();
        var upper = theta0.Select(v => v + 5).Concat(Enumerable.Repeat(Math.Log(3.0), q)).ToList();
        if (add) { lower.Add(Math.Log(1e-4 * medianY)); upper.Add(Math.Log(10 * medianY)); }
        if (prop) { lower.Add(Math.Log(1e-3)); upper.Add(Math.Log(3.0)); }
        var (xBest, iterations, converged) = Minimise(objective.Value, x0.ToArray(), lower.ToArray(), upper.ToArray(), options.MaxIterations,
            exact ? objective.Gradient : null);
        var final = objective.Unpack(xBest);
        var etas = new Dictionary<string, double[]>();
        double m2ll = 0;
        for (int i = 0; i < data.Length; i++)
        {
            var mode = Conditional.Solve(model, final, data[i], new double[q]);
            etas[data[i].Individual.Id] = mode.Eta;
            m2ll += mode.MinusTwoLogLik;
        }
        return new NlmeFit(model, final, -0.5 * m2ll, nObs, data.Length, iterations, converged, etas, options.IncludePreDose, options.Blq);
    }

    /// <summary>
    /// Quasi-Newton (BFGS inverse-Hessian update, Armijo backtracking) inside a box, on the given gradient or central differences.
    /// Hand-written rather than MathNet's BFGS because the latter's line search failed on most population fits here:
    /// its first step is the raw gradient (hundreds of log-units), which lands in overflow or in another basin. This
    /// one scales the first step to 0.1, caps every step at 1 log-unit and treats leaving the box as +inf.
    /// The optional gradient is f's exact gradient where known (then no finite differences); null, or a null answer at
    /// some x, = central differences there.
    /// </summary>
    internal static (double[] X, int Iterations, bool Converged) Minimise(Func<double[], double> f, double[] x0, double[] lower, double[] upper, int maxIter,
        Func<double[], double[]?>? gradient = null)
    {
        int n = x0.Length;
        double F(double[] x)
        {
            for (int k = 0; k < n; k++) if (!(x[k] >= lower[k] && x[k] <= upper[k])) return double.PositiveInfinity;
            double v = f(x);
            return double.IsFinite(v) && v < 1e99 ? v : double.PositiveInfinity;
        }
        double[] Grad(double[] x)
        {
            if (gradient?.Invoke(x) is { } exact) return exact;
            var g = new double[n];
            var y = (double[])x.Clone();
            for (int k = 0; k < n; k++)
            {
                const double h = 1e-5;
                // One-sided at a bound so the probe stays feasible.
                double up = Math.Min(x[k] + h, upper[k]), down = Math.Max(x[k] - h, lower[k]);
                y[k] = up; double fp = F(y);
                y[k] = down; double fm = F(y);
                y[k] = x[k];
                g[k] = (fp - fm) / (up - down);
            }
            return g;
        }
        // Gradient with the components that push against an active bound removed (KKT check).
        double ProjectedMax(double[] x, double[] g) => Enumerable.Range(0, n)
            .Max(k => (x[k] <= lower[k] && g[k] > 0) || (x[k] >= upper[k] && g[k] < 0) ? 0 : Math.Abs(g[k]));
        var xc = x0.Select((v, k) => Math.Clamp(v, lower[k], upper[k])).ToArray();
        double fc = F(xc);
        if (!double.IsFinite(fc)) throw new ArgumentException("the objective is not finite at the starting values.");
        var gc = Grad(xc);
        Matrix<double> ScaledIdentity(double[] g) => Matrix<double>.Build.DenseIdentity(n) * (0.1 / Math.Max(g.Max(Math.Abs), 1e-8));
        var hinv = ScaledIdentity(gc);
        bool fresh = true;
        for (int it = 1; it <= maxIter; it++)
        {
            var gv = Vector<double>.Build.DenseOfArray(gc);
            var d = -(hinv * gv);
            for (int k = 0; k < n; k++)
                if ((xc[k] <= lower[k] && d[k] < 0) || (xc[k] >= upper[k] && d[k] > 0)) d[k] = 0;
            double longest = d.AbsoluteMaximum();
            if (longest > 1) d *= 1 / longest;
            double slope = gv.DotProduct(d);
            if (slope >= 0) { hinv = ScaledIdentity(gc); fresh = true; d = -(hinv * gv); slope = gv.DotProduct(d); }
            double t = 1, ft = double.PositiveInfinity;
            double[] xt = xc;
            for (; t > 1e-10; t /= 2)
            {
                // Projected onto the box, so a variable can come to rest on its bound.
                xt = xc.Select((v, k) => Math.Clamp(v + t * d[k], lower[k], upper[k])).ToArray();
                ft = F(xt);
                if (ft <= fc + 1e-4 * t * slope) break;
            }
            if (!(ft <= fc + 1e-4 * t * slope))
            {
                // No descent along this direction: converged if the curvature model was fresh, else rebuild it.
                if (fresh) return (xc, it, ProjectedMax(xc, gc) < 0.05);
                hinv = ScaledIdentity(gc); fresh = true;
                continue;
            }
            var gt = Grad(xt);
            var sv = Vector<double>.Build.DenseOfArray(xt.Zip(xc, (a, b) => a - b).ToArray());
            var yv = Vector<double>.Build.DenseOfArray(gt.Zip(gc, (a, b) => a - b).ToArray());
            double sy = sv.DotProduct(yv);
            double fOld = fc;
            xc = xt; fc = ft; gc = gt; fresh = false;
            if (sy > 1e-12)
            {
                var hy = hinv * yv;
                hinv += (sv.OuterProduct(sv) * ((sy + yv.DotProduct(hy)) / (sy * sy))) - ((hy.OuterProduct(sv) + sv.OuterProduct(hy)) / sy);
            }
            // Central differences carry ~1e-5 of noise from the inner optimisations, so ask for 1e-3 on the -2LL scale;
            // exact gradients stop at the same threshold, so both reach the same estimates (FoceiGradientTests).
            if (ProjectedMax(xc, gc) < 1e-3 || (fOld - fc < 1e-9 * (1 + Math.Abs(fc)) && sv.AbsoluteMaximum() < 1e-5))
                return (xc, it, true);
        }
        return (xc, maxIter, false);
    }

    // Starting Thetas: the naive pooled fit, and the NCA guess it starts from when that differs.
    internal static double[][] StartingThetas(NlmeModel model, IndividualData[] data)
    {
        var guess = model.InitialTheta(Guess(data));
        var pooled = PooledTheta(model, data);
        return pooled.Zip(guess).All(x => Math.Abs(x.First - x.Second) < 1e-3) ? [pooled] : [pooled, guess];
    }

    // Typical CL, V, Ka: medians of the individuals' NCA.
    private static TypicalGuess Guess(IndividualData[] data)
    {
        var guesses = data.Select(NcaGuess).Where(g => g is not null).Select(g => g!.Value).ToArray();
        double wt = Median(data.Select(d => d.Individual.NumericCovariate("WT") ?? double.NaN).Where(double.IsFinite).DefaultIfEmpty(70).ToArray());
        var guess = guesses.Length == 0
            ? new TypicalGuess(1, 10, 1, wt)
            : new TypicalGuess(Median(guesses.Select(g => g.CL).ToArray()), Median(guesses.Select(g => g.V).ToArray()),
                Median(guesses.Select(g => g.Ka).ToArray()), wt);
        return guess;
    }

    /// <summary>
    /// The naive pooled starting Theta of <paramref name="model"/> on <paramref name="study"/> (the first of the two starts
    /// <see cref="Fit"/> tries): NCA medians, then Theta fitted to all data with Eta = 0 on log residuals.
    /// </summary>
    public static double[] PooledThetaOf(NlmeModel model, Study study, NlmeOptions? options = null)
    {
        options ??= new NlmeOptions();
        return PooledTheta(model, study.Individuals.Select(i => IndividualData.From(i, options.IncludePreDose, options.Blq)).ToArray());
    }

    // Naive pooled start: NCA medians, then Theta fitted to all data with Eta = 0 on log residuals.
    internal static double[] PooledTheta(NlmeModel model, IndividualData[] data)
    {
        double[] theta = model.InitialTheta(Guess(data));
        double Sse(Vector<double> v)
        {
            double s = 0;
            var phi = v.ToArray();
            foreach (var d in data)
            {
                double[] f = model.Predict(phi, d.Individual, d.T);
                for (int j = 0; j < f.Length; j++)
                {
                    if (d.Y[j] <= 0 || d.Censored[j]) continue;
                    double r = Math.Log(d.Y[j]) - Math.Log(Math.Max(f[j], 1e-12 * d.Y[j]));
                    s += r * r;
                }
            }
            return double.IsFinite(s) ? s : 1e100;
        }
        var r = new NelderMeadSimplex(1e-6, 3000).FindMinimum(ObjectiveFunction.Value(Sse), Vector<double>.Build.DenseOfArray(theta),
            Vector<double>.Build.Dense(theta.Length, 0.3));
        return r.MinimizingPoint.ToArray();
    }

    // One individual's NCA starting estimates (Analysis/Nca.cs); censored samples carry a limit, not a value.
    private static TypicalGuess? NcaGuess(IndividualData d)
    {
        if (d.Individual.Doses.Count == 0) return null;
        var dose = d.Individual.Doses[0];
        var keep = Enumerable.Range(0, d.T.Length).Where(j => !d.Censored[j]).ToArray();
        var e = Nca.StartingEstimates(keep.Select(j => d.T[j] - dose.Time).ToArray(), keep.Select(j => d.Y[j]).ToArray(),
            dose.Amount, dose.IntoDepot);
        return e is { } g ? new TypicalGuess(g.CL, g.V, g.Ka, 70) : null;
    }

    internal static double Median(double[] v)
    {
        var s = v.OrderBy(x => x).ToArray();
        return s.Length % 2 == 1 ? s[s.Length / 2] : 0.5 * (s[s.Length / 2 - 1] + s[s.Length / 2]);
    }
}

/// <summary>
/// The FOCE-I objective (-2 log-likelihood, Laplace) over x = (Theta, log SD of Omega, log Sigma_add, log Sigma_prop as
/// the model has them), with each individual's inner mode warm-started from the previous evaluation's.
/// </summary>
internal sealed class FoceiObjective(NlmeModel model, IndividualData[] data, double[][] warm)
{
    private readonly int _p = model.ParameterNames.Count, _q = model.RandomIndex.Length;
    private readonly bool _add = model.Error != ResidualError.Proportional, _prop = model.Error != ResidualError.Additive;
    // The modes of the last evaluation: the gradient at an accepted point reuses them (no second inner solve).
    private readonly Conditional.Mode[] _modes = new Conditional.Mode[data.Length];
    private double[]? _lastX;

    public PopulationValues Unpack(double[] x) => new(
        x[.._p], Enumerable.Range(0, _q).Select(k => Math.Exp(2 * x[_p + k])).ToArray(),
        _add ? Math.Exp(x[_p + _q]) : 0, _prop ? Math.Exp(x[^1]) : 0);

    /// <summary>-2LL at x; 1e100 where an inner problem has no finite mode.</summary>
    public double Value(double[] x)
    {
        var pop = Unpack(x);
        double total = 0;
        _lastX = null;
        for (int i = 0; i < data.Length; i++)
        {
            var mode = Conditional.Solve(model, pop, data[i], warm[i]);
            if (!double.IsFinite(mode.MinusTwoLogLik)) return 1e100;
            warm[i] = mode.Eta;
            _modes[i] = mode;
            total += mode.MinusTwoLogLik;
        }
        _lastX = (double[])x.Clone();
        return total;
    }

    /// <summary>Exact d(-2LL)/dx (<see cref="FoceiGradient"/>); null where the exact Jacobian does not apply.</summary>
    public double[]? Gradient(double[] x)
    {
        if (_lastX is null || !_lastX.AsSpan().SequenceEqual(x)) Value(x);
        if (_lastX is null) return null;
        var pop = Unpack(x);
        var g = new double[x.Length];
        for (int i = 0; i < data.Length; i++)
            if (!FoceiGradient.Accumulate(model, pop, data[i], _modes[i], _add, _prop, g)) return null;
        return g;
    }
}

/// <summary>Population values of a fit: Theta, diagonal Omega (variances) and residual error SDs.</summary>
/// <param name="Theta">Typical log-parameters, model order.</param>
/// <param name="Omega">Variances of the random effects, in the order of the parameters that have one.</param>
/// <param name="SigmaAdd">Additive residual SD (0 when the model has none).</param>
/// <param name="SigmaProp">Proportional residual SD (0 when the model has none).</param>
public sealed record PopulationValues(double[] Theta, double[] Omega, double SigmaAdd, double SigmaProp)
{
    /// <summary>Residual variance at prediction <paramref name="f"/>.</summary>
    public double ResidualVariance(double f) => SigmaAdd * SigmaAdd + SigmaProp * SigmaProp * f * f;

    /// <summary>
    /// Log-likelihood of one sample at model prediction <paramref name="f"/> under the residual error model: the normal
    /// log density of <paramref name="y"/> for a quantified sample; for a censored (BLQ) one, Beal's M3 term
    /// log P(y &lt; <paramref name="y"/>) = log Φ((LLOQ - f) / sqrt(Var(y | f))), with <paramref name="y"/> the LLOQ.
    /// </summary>
    public double LogLikelihood(double y, double f, bool censored)
    {
        double r = ResidualVariance(f);
        if (censored) return LogBelow(y, f, r);
        double e = y - f;
        return -0.5 * (e * e / r + Math.Log(r) + Math.Log(2 * Math.PI));
    }

    // log P(Y < limit) for Y ~ N(f, r); with r = 0 the point mass at f.
    internal static double LogBelow(double limit, double f, double r) =>
        r > 0 ? NormalTail.LogCdf((limit - f) / Math.Sqrt(r)) : limit > f ? 0 : double.NegativeInfinity;
}

/// <summary>Standard normal CDF on the log scale and the inverse Mills ratio, accurate far into the lower tail.</summary>
internal static class NormalTail
{
    // Below this the CDF is evaluated by its asymptotic series (erfc would underflow near z = -38).
    private const double Switch = -30;

    /// <summary>log Φ(z).</summary>
    public static double LogCdf(double z) =>
        z > Switch ? Math.Log(0.5 * MathNet.Numerics.SpecialFunctions.Erfc(-z / Math.Sqrt(2)))
            : -0.5 * z * z - Math.Log(-z) - 0.5 * Math.Log(2 * Math.PI) + Math.Log(Series(z));

    /// <summary>φ(z) / Φ(z), the derivative of log Φ.</summary>
    public static double InverseMills(double z) =>
        z > Switch ? Math.Exp(-0.5 * z * z - 0.5 * Math.Log(2 * Math.PI) - LogCdf(z)) : -z / Series(z);

    // Φ(z) ≈ φ(z)/(-z) (1 - 1/z² + 3/z⁴ - 15/z⁶ + 105/z⁸); the next term is below 1e-11 relative for z &lt;= -30.
    private static double Series(double z)
    {
        double u = 1 / (z * z);
        return 1 - u * (1 - u * (3 - u * (15 - 105 * u)));
    }
}

/// <summary>
/// The observations of one individual that enter the likelihood: for a censored (BLQ, M3) sample Y holds its limit.
/// </summary>
internal sealed record IndividualData(Individual Individual, double[] T, double[] Y, bool[] Censored)
{
    /// <exception cref="ArgumentException">A BLQ sample (under M3) has neither an LLOQ nor a positive reported value.</exception>
    public static IndividualData From(Individual ind, bool includePreDose, BlqMethod blq)
    {
        double first = ind.Doses.Count > 0 ? ind.Doses[0].Time : double.NegativeInfinity;
        var obs = ind.Observations.Where(o => (!o.IsBlq || blq == BlqMethod.M3) && (includePreDose || o.Time > first)).ToArray();
        var y = new double[obs.Length];
        for (int j = 0; j < obs.Length; j++)
        {
            var o = obs[j];
            y[j] = !o.IsBlq ? o.Value : o.Lloq ?? (o.Value > 0 ? o.Value
                : throw new ArgumentException($"individual {ind.Id}: the BLQ sample at time {o.Time} has no LLOQ and reports {o.Value}; M3 needs the limit (give LLOQ, or use BlqMethod.Drop)."));
        }
        return new IndividualData(ind, obs.Select(o => o.Time).ToArray(), y, obs.Select(o => o.IsBlq).ToArray());
    }

    /// <summary>Values of the quantified (uncensored) samples.</summary>
    public IEnumerable<double> Quantified() => Y.Where((_, j) => !Censored[j]);

    /// <summary>Number of quantified samples (the Gaussian density terms, each with its 2π constant).</summary>
    public int QuantifiedCount => Censored.Count(c => !c);
}

/// <summary>Conditional (inner) problem of one individual: the mode of Eta and its Laplace likelihood.</summary>
internal static class Conditional
{
    internal readonly record struct Mode(double[] Eta, double MinusTwoLogLik, Matrix<double> Hessian, double[] Ipred, double Joint);

    public static double[] Phi(NlmeModel model, double[] theta, double[] eta)
    {
        var phi = (double[])theta.Clone();
        for (int k = 0; k < eta.Length; k++) phi[model.RandomIndex[k]] += eta[k];
        return phi;
    }

    // -2 log p(y, eta) up to (quantified samples) x log 2 pi: the quantity the mode minimises.
    private static double Joint(NlmeModel model, PopulationValues pop, IndividualData d, double[] eta, out double[] f)
    {
        var phi = Phi(model, pop.Theta, eta);
        if (phi.Any(v => Math.Abs(v) > 300)) { f = new double[d.T.Length]; return double.PositiveInfinity; }
        f = model.Predict(phi, d.Individual, d.T);
        double s = 0;
        for (int j = 0; j < f.Length; j++)
        {
            double r = pop.ResidualVariance(f[j]);
            if (d.Censored[j]) { s -= 2 * PopulationValues.LogBelow(d.Y[j], f[j], r); continue; }
            double e = d.Y[j] - f[j];
            s += e * e / r + Math.Log(r);
        }
        for (int k = 0; k < eta.Length; k++) s += eta[k] * eta[k] / pop.Omega[k];
        return s;
    }

    // Derivative and Gauss-Newton curvature of one sample's -log p with respect to the prediction f.
    // Quantified: Gaussian terms (curvature 1/r, the FOCE-I approximation). Censored (M3): h(f) = -log Phi(z),
    // z = (LLOQ - f)/s, s = sqrt(r); h' = -lambda z', curvature lambda (z + lambda) z'^2 >= 0 with lambda = phi(z)/Phi(z).
    private static (double Grad, double Curv) PointTerms(PopulationValues pop, IndividualData d, int j, double f)
    {
        double r = pop.ResidualVariance(f), dr = 2 * pop.SigmaProp * pop.SigmaProp * f;
        if (!d.Censored[j])
        {
            double e = d.Y[j] - f;
            return (-e / r + 0.5 * (1 / r - e * e / (r * r)) * dr, 1 / r);
        }
        if (!(r > 0)) return (0, 0); // no residual spread: the point is below its limit with probability 0 or 1
        double sd = Math.Sqrt(r), z = (d.Y[j] - f) / sd;
        double dz = -(1 + z * dr / (2 * sd)) / sd, lambda = NormalTail.InverseMills(z);
        return (-lambda * dz, lambda * (z + lambda) * dz * dz);
    }

    // d f / d Eta: exact from one forward-mode pass of the closed form where it applies (the finite differences below
    // cost 2q extra solves and dominated the fit time), else central differences.
    private static Matrix<double> Jacobian(NlmeModel model, PopulationValues pop, IndividualData d, double[] eta)
    {
        var jac = Matrix<double>.Build.Dense(d.T.Length, eta.Length);
        int n = d.T.Length, p = pop.Theta.Length;
        if (n == 0) return jac;
        var f = new double[n];
        var full = new double[n * p];
        if (model.TryPredictWithJacobian(Phi(model, pop.Theta, eta), d.Individual, d.T, f, full))
        {
            for (int j = 0; j < n; j++)
            for (int k = 0; k < eta.Length; k++) jac[j, k] = full[j * p + model.RandomIndex[k]];
            return jac;
        }
        var e = (double[])eta.Clone();
        for (int k = 0; k < eta.Length; k++)
        {
            const double h = 1e-6;
            e[k] = eta[k] + h; var fp = model.Predict(Phi(model, pop.Theta, e), d.Individual, d.T);
            e[k] = eta[k] - h; var fm = model.Predict(Phi(model, pop.Theta, e), d.Individual, d.T);
            e[k] = eta[k];
            for (int j = 0; j < fp.Length; j++) jac[j, k] = (fp[j] - fm[j]) / (2 * h);
        }
        return jac;
    }

    /// <summary>Damped Gauss-Newton on -log p(y, eta) from <paramref name="start"/>; returns the mode and its Laplace -2LL.</summary>
    public static Mode Solve(NlmeModel model, PopulationValues pop, IndividualData d, double[] start)
    {
        int q = start.Length;
        var eta = (double[])start.Clone();
        double obj = Joint(model, pop, d, eta, out var f);
        if (!double.IsFinite(obj)) { eta = new double[q]; obj = Joint(model, pop, d, eta, out f); }
        Matrix<double> hess = Matrix<double>.Build.Dense(q, q);
        bool hessAtEta = false; // whether hess was built at the final eta (then the closing rebuild is skipped)
        for (int iter = 0; iter < 100 && double.IsFinite(obj); iter++)
        {
            var jac = Jacobian(model, pop, d, eta);
            var grad = Vector<double>.Build.Dense(q);
            hess = Matrix<double>.Build.Dense(q, q);
            for (int j = 0; j < f.Length; j++)
            {
                var (w, c) = PointTerms(pop, d, j, f[j]);
                for (int a = 0; a < q; a++)
                {
                    grad[a] += w * jac[j, a];
                    for (int b = 0; b < q; b++) hess[a, b] += jac[j, a] * jac[j, b] * c;
                }
            }
            for (int a = 0; a < q; a++) { grad[a] += eta[a] / pop.Omega[a]; hess[a, a] += 1 / pop.Omega[a]; }
            hessAtEta = true;
            var step = -hess.Solve(grad);
            if (-grad.DotProduct(step) < 1e-14) break; // Newton decrement: at the mode to rounding
            double longest = step.AbsoluteMaximum();
            if (longest > 1) step *= 1 / longest; // Eta moves at most 1 log-unit per step
            double slope = grad.DotProduct(step), t = 1;
            double[] trial = eta; double trialObj = obj; double[] trialF = f;
            while (t > 1e-10)
            {
                trial = eta.Select((v, k) => v + t * step[k]).ToArray();
                trialObj = Joint(model, pop, d, trial, out trialF);
                if (double.IsFinite(trialObj) && trialObj <= obj + 2e-4 * t * slope) break;
                t /= 2;
            }
            if (t <= 1e-10) break;
            double moved = step.AbsoluteMaximum() * t;
            eta = trial; f = trialF; hessAtEta = false;
            double change = obj - trialObj; obj = trialObj;
            if (moved < 1e-9 || change < 1e-12) break;
        }
        if (q > 0 && !hessAtEta)
        {
            // Hessian at the final mode (the loop's is one step behind when its last step moved Eta).
            var jac = Jacobian(model, pop, d, eta);
            hess = Matrix<double>.Build.Dense(q, q);
            for (int j = 0; j < f.Length; j++)
            {
                double c = PointTerms(pop, d, j, f[j]).Curv;
                for (int a = 0; a < q; a++) for (int b = 0; b < q; b++) hess[a, b] += jac[j, a] * jac[j, b] * c;
            }
            for (int a = 0; a < q; a++) hess[a, a] += 1 / pop.Omega[a];
        }
        double logDetOmega = pop.Omega.Sum(Math.Log);
        double logDetH = q > 0 ? hess.Cholesky().DeterminantLn : 0;
        double m2ll = obj + d.QuantifiedCount * Math.Log(2 * Math.PI) + logDetOmega + logDetH;
        return new Mode(eta, m2ll, hess, f, obj);
    }
}

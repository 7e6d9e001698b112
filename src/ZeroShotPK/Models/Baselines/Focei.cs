using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.Optimization;
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

    /// <summary>Starting Theta (log scale, model order); null = from a naive pooled fit of the data.</summary>
    public double[]? InitialTheta { get; init; }

    /// <summary>Starting Omega variances for the parameters with random effects; null = 0.09 each.</summary>
    public double[]? InitialOmega { get; init; }

    /// <summary>Iteration cap of the outer (population) optimisation.</summary>
    public int MaxIterations { get; init; } = 400;
}

/// <summary>
/// First-order conditional estimation with interaction (FOCE-I). For each individual the inner problem finds the
/// conditional mode of Eta (empirical-Bayes / MAP); the marginal likelihood is the Laplace approximation with the
/// Gauss-Newton Hessian J'R⁻¹J + Ω⁻¹ evaluated at that mode, with the residual variance R taken at the individual
/// prediction (the interaction). The outer problem maximises it over Theta, log Omega and log Sigma with BFGS on
/// central-difference gradients (Nelder-Mead when a BFGS line search fails).
/// </summary>
public static class Focei
{
    /// <summary>Fits <paramref name="model"/> to every individual of <paramref name="study"/>.</summary>
    /// <exception cref="ArgumentException">No usable observation, or a starting value of the wrong length.</exception>
    public static NlmeFit Fit(NlmeModel model, Study study, NlmeOptions? options = null)
    {
        options ??= new NlmeOptions();
        var data = study.Individuals.Select(i => IndividualData.From(i, options.IncludePreDose)).ToArray();
        int nObs = data.Sum(d => d.Y.Length);
        if (nObs == 0) throw new ArgumentException($"study '{study.Name}': no observation is usable for an NLME fit (after removing BLQ{(options.IncludePreDose ? "" : " and pre-dose")} samples).");
        int p = model.ParameterNames.Count, q = model.RandomIndex.Length;
        bool add = model.Error != ResidualError.Proportional, prop = model.Error != ResidualError.Additive;

        double[] theta0 = options.InitialTheta ?? PooledTheta(model, data);
        if (theta0.Length != p) throw new ArgumentException($"InitialTheta needs {p} entries ({string.Join(", ", model.ParameterNames)}), got {theta0.Length}.", nameof(options));
        double[] omega0 = options.InitialOmega ?? Enumerable.Repeat(0.09, q).ToArray();
        if (omega0.Length != q || omega0.Any(w => !(w > 0))) throw new ArgumentException($"InitialOmega needs {q} positive variances, got [{string.Join(", ", omega0)}].", nameof(options));

        double medianY = Median(data.SelectMany(d => d.Y).Where(y => y > 0).DefaultIfEmpty(1).ToArray());
        var x0 = new List<double>(theta0);
        x0.AddRange(omega0.Select(w => 0.5 * Math.Log(w)));
        if (add) x0.Add(Math.Log((prop ? 0.02 : 0.1) * medianY));
        if (prop) x0.Add(Math.Log(0.1));

        var warm = data.Select(_ => new double[q]).ToArray();
        Func<double[], PopulationValues> unpack = x => new PopulationValues(
            x[..p], Enumerable.Range(0, q).Select(k => Math.Exp(2 * x[p + k])).ToArray(),
            add ? Math.Exp(x[p + q]) : 0, prop ? Math.Exp(x[^1]) : 0);

        double Objective(double[] x)
        {
            var pop = unpack(x);
            double total = 0;
            for (int i = 0; i < data.Length; i++)
            {
                var mode = Conditional.Solve(model, pop, data[i], warm[i]);
                if (!double.IsFinite(mode.MinusTwoLogLik)) return 1e100;
                warm[i] = mode.Eta;
                total += mode.MinusTwoLogLik;
            }
            return total;
        }

        var (xBest, iterations, converged) = Minimise(Objective, x0.ToArray(), options.MaxIterations);
        var final = unpack(xBest);
        var etas = new Dictionary<string, double[]>();
        double m2ll = 0;
        for (int i = 0; i < data.Length; i++)
        {
            var mode = Conditional.Solve(model, final, data[i], new double[q]);
            etas[data[i].Individual.Id] = mode.Eta;
            m2ll += mode.MinusTwoLogLik;
        }
        return new NlmeFit(model, final, -0.5 * m2ll, nObs, data.Length, iterations, converged, etas, options.IncludePreDose);
    }

    internal static (double[] X, int Iterations, bool Converged) Minimise(Func<double[], double> f, double[] x0, int maxIter)
    {
        Vector<double> Gradient(Vector<double> v)
        {
            var x = v.ToArray();
            var g = new double[x.Length];
            for (int k = 0; k < x.Length; k++)
            {
                const double h = 1e-5;
                double keep = x[k];
                x[k] = keep + h; double fp = f(x);
                x[k] = keep - h; double fm = f(x);
                x[k] = keep;
                g[k] = (fp - fm) / (2 * h);
            }
            return Vector<double>.Build.DenseOfArray(g);
        }
        var objective = ObjectiveFunction.Gradient(v => f(v.ToArray()), Gradient);
        var start = Vector<double>.Build.DenseOfArray(x0);
        int iterations = 0;
        for (int attempt = 0; attempt < 3; attempt++)
        {
            try
            {
                var r = new BfgsMinimizer(1e-4, 1e-8, 1e-10, maxIter).FindMinimum(objective, start);
                return (r.MinimizingPoint.ToArray(), iterations + r.Iterations, true);
            }
            catch (Exception ex) when (ex is MaximumIterationsException or InnerOptimizationException or ArgumentException or EvaluationException)
            {
                // A failed line search usually means a poor curvature model far from the optimum: restart from a
                // Nelder-Mead point, which needs no gradient.
                var nm = new NelderMeadSimplex(1e-8, 2000).FindMinimum(ObjectiveFunction.Value(v => f(v.ToArray())), start,
                    Vector<double>.Build.Dense(x0.Length, 0.1));
                iterations += nm.Iterations;
                start = nm.MinimizingPoint;
            }
        }
        return (start.ToArray(), iterations, false);
    }

    // Naive pooled start: NCA medians, then Theta fitted to all data with Eta = 0 on log residuals.
    internal static double[] PooledTheta(NlmeModel model, IndividualData[] data)
    {
        var guesses = data.Select(Nca).Where(g => g is not null).Select(g => g!.Value).ToArray();
        double wt = Median(data.Select(d => d.Individual.NumericCovariate("WT") ?? double.NaN).Where(double.IsFinite).DefaultIfEmpty(70).ToArray());
        var guess = guesses.Length == 0
            ? new TypicalGuess(1, 10, 1, wt)
            : new TypicalGuess(Median(guesses.Select(g => g.CL).ToArray()), Median(guesses.Select(g => g.V).ToArray()),
                Median(guesses.Select(g => g.Ka).ToArray()), wt);
        double[] theta = model.InitialTheta(guess);
        double Sse(Vector<double> v)
        {
            double s = 0;
            var phi = v.ToArray();
            foreach (var d in data)
            {
                double[] f = model.Predict(phi, d.Individual, d.T);
                for (int j = 0; j < f.Length; j++)
                {
                    if (d.Y[j] <= 0) continue;
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

    private static TypicalGuess? Nca(IndividualData d)
    {
        if (d.Individual.Doses.Count == 0) return null;
        var dose = d.Individual.Doses[0];
        var pts = d.T.Zip(d.Y).Where(p => p.First > dose.Time && p.Second > 0).Select(p => (T: p.First - dose.Time, C: p.Second)).ToArray();
        if (pts.Length < 3) return null;
        double auc = 0, tPrev = 0, cPrev = dose.IntoDepot ? 0 : pts[0].C;
        foreach (var (t, c) in pts) { auc += (t - tPrev) * (c + cPrev) / 2; tPrev = t; cPrev = c; }
        var tail = pts[^3..];
        double mt = tail.Average(p => p.T), ml = tail.Average(p => Math.Log(p.C));
        double slope = tail.Sum(p => (p.T - mt) * (Math.Log(p.C) - ml)) / tail.Sum(p => (p.T - mt) * (p.T - mt));
        double lz = slope < 0 ? -slope : Math.Log(2) / Math.Max(pts[^1].T, 1e-6);
        double cl = dose.Amount / (auc + pts[^1].C / lz);
        double tmax = pts.MaxBy(p => p.C).T;
        return new TypicalGuess(cl, cl / lz, Math.Max(2 * lz, 3 / tmax), 70);
    }

    internal static double Median(double[] v)
    {
        var s = v.OrderBy(x => x).ToArray();
        return s.Length % 2 == 1 ? s[s.Length / 2] : 0.5 * (s[s.Length / 2 - 1] + s[s.Length / 2]);
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
}

/// <summary>The observations of one individual that enter the likelihood.</summary>
internal sealed record IndividualData(Individual Individual, double[] T, double[] Y)
{
    public static IndividualData From(Individual ind, bool includePreDose)
    {
        double first = ind.Doses.Count > 0 ? ind.Doses[0].Time : double.NegativeInfinity;
        var obs = ind.Observations.Where(o => !o.IsBlq && (includePreDose || o.Time > first)).ToArray();
        return new IndividualData(ind, obs.Select(o => o.Time).ToArray(), obs.Select(o => o.Value).ToArray());
    }
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

    // -2 log p(y, eta) up to n log 2 pi: the quantity the mode minimises.
    private static double Joint(NlmeModel model, PopulationValues pop, IndividualData d, double[] eta, out double[] f)
    {
        f = model.Predict(Phi(model, pop.Theta, eta), d.Individual, d.T);
        double s = 0;
        for (int j = 0; j < f.Length; j++)
        {
            double r = pop.ResidualVariance(f[j]), e = d.Y[j] - f[j];
            s += e * e / r + Math.Log(r);
        }
        for (int k = 0; k < eta.Length; k++) s += eta[k] * eta[k] / pop.Omega[k];
        return s;
    }

    private static Matrix<double> Jacobian(NlmeModel model, PopulationValues pop, IndividualData d, double[] eta)
    {
        var jac = Matrix<double>.Build.Dense(d.T.Length, eta.Length);
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
        for (int iter = 0; iter < 100 && double.IsFinite(obj); iter++)
        {
            var jac = Jacobian(model, pop, d, eta);
            var grad = Vector<double>.Build.Dense(q);
            hess = Matrix<double>.Build.Dense(q, q);
            for (int j = 0; j < f.Length; j++)
            {
                double r = pop.ResidualVariance(f[j]), e = d.Y[j] - f[j], dr = 2 * pop.SigmaProp * pop.SigmaProp * f[j];
                double w = -e / r + 0.5 * (1 / r - e * e / (r * r)) * dr;
                for (int a = 0; a < q; a++)
                {
                    grad[a] += w * jac[j, a];
                    for (int b = 0; b < q; b++) hess[a, b] += jac[j, a] * jac[j, b] / r;
                }
            }
            for (int a = 0; a < q; a++) { grad[a] += eta[a] / pop.Omega[a]; hess[a, a] += 1 / pop.Omega[a]; }
            var step = -hess.Solve(grad);
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
            eta = trial; f = trialF;
            double change = obj - trialObj; obj = trialObj;
            if (moved < 1e-9 || change < 1e-12) break;
        }
        if (q > 0)
        {
            // Hessian at the final mode (the loop's is one step behind).
            var jac = Jacobian(model, pop, d, eta);
            hess = Matrix<double>.Build.Dense(q, q);
            for (int j = 0; j < f.Length; j++)
            {
                double r = pop.ResidualVariance(f[j]);
                for (int a = 0; a < q; a++) for (int b = 0; b < q; b++) hess[a, b] += jac[j, a] * jac[j, b] / r;
            }
            for (int a = 0; a < q; a++) hess[a, a] += 1 / pop.Omega[a];
        }
        double logDetOmega = pop.Omega.Sum(Math.Log);
        double logDetH = q > 0 ? hess.Cholesky().DeterminantLn : 0;
        double m2ll = obj + f.Length * Math.Log(2 * Math.PI) + logDetOmega + logDetH;
        return new Mode(eta, m2ll, hess, f, obj);
    }
}

using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.Optimization;
using ZeroShotPK.Data;

namespace ZeroShotPK.Models.Baselines;

/// <summary>
/// Lindstrom-Bates estimation by maximum likelihood, the algorithm of R's <c>nlme</c>: alternate (1) penalised
/// nonlinear least squares for Theta and every individual's Eta at fixed Omega and Sigma, and (2) a linear
/// mixed-effects ML fit of Omega and Sigma to the model linearised at that point. The reported log-likelihood is that
/// of the final linear mixed-effects approximation, as <c>logLik()</c> of an nlme fit. Additive error only.
/// Unlike FOCE-I, Theta ignores how the linearisation itself depends on Theta, so the two differ slightly.
/// </summary>
public static class LindstromBates
{
    /// <summary>Fits <paramref name="model"/> (additive residual error) to <paramref name="study"/>.</summary>
    /// <remarks>
    /// The linear mixed-effects step is Gaussian, so BLQ samples cannot enter it by M3: a study with BLQ samples needs
    /// <see cref="NlmeOptions.Blq"/> = <see cref="BlqMethod.Drop"/> here, or <see cref="Focei.Fit"/> for M3.
    /// </remarks>
    /// <exception cref="ArgumentException">The model's error is not additive, BLQ samples under M3, or no observation is usable.</exception>
    public static NlmeFit Fit(NlmeModel model, Study study, NlmeOptions? options = null)
    {
        options ??= new NlmeOptions();
        if (model.Error != ResidualError.Additive)
            throw new ArgumentException($"Lindstrom-Bates here supports additive residual error only (model '{model.Name}' has {model.Error}); use Focei.Fit.", nameof(model));
        var data = study.Individuals.Select(i => IndividualData.From(i, options.IncludePreDose, options.Blq)).ToArray();
        var censored = data.FirstOrDefault(d => d.Censored.Any(c => c));
        if (censored is not null)
            throw new ArgumentException($"study '{study.Name}': individual {censored.Individual.Id} has BLQ samples; Lindstrom-Bates cannot use them by M3 (its LME step is Gaussian). Use Focei.Fit for M3, or NlmeOptions.Blq = Drop.", nameof(study));
        int nObs = data.Sum(d => d.Y.Length);
        if (nObs == 0) throw new ArgumentException($"study '{study.Name}': no observation is usable for an NLME fit.");
        int p = model.ParameterNames.Count, q = model.RandomIndex.Length;
        double[] theta = options.Start?.Theta ?? options.InitialTheta ?? Focei.PooledTheta(model, data);
        if (theta.Length != p) throw new ArgumentException($"InitialTheta needs {p} entries, got {theta.Length}.", nameof(options));
        double[] omega = options.Start?.Omega ?? options.InitialOmega ?? Enumerable.Repeat(0.09, q).ToArray();
        double sigma = options.Start is { SigmaAdd: > 0 } s0 ? s0.SigmaAdd
            : 0.1 * Focei.Median(data.SelectMany(d => d.Quantified()).Where(y => y > 0).DefaultIfEmpty(1).ToArray());
        var warm = data.Select(d => options.StartEtas is { } e && e.TryGetValue(d.Individual.Id, out var eta) && eta.Length == q
            ? (double[])eta.Clone() : new double[q]).ToArray();

        double logLik = double.NaN;
        int iterations = 0;
        bool converged = false;
        for (; iterations < options.MaxIterations && !converged; iterations++)
        {
            // (1) PNLS: Theta minimises the Eta-profiled penalised sum of squares.
            var pop = new PopulationValues(theta, omega, sigma, 0);
            double Pnls(double[] th)
            {
                var pp = pop with { Theta = th };
                double s = 0;
                for (int i = 0; i < data.Length; i++)
                {
                    var mode = Conditional.Solve(model, pp, data[i], warm[i]);
                    warm[i] = mode.Eta; s += mode.Joint;
                }
                return double.IsFinite(s) ? s : 1e100;
            }
            var (newTheta, _, _) = Focei.Minimise(Pnls, theta, theta.Select(v => v - 5).ToArray(), theta.Select(v => v + 5).ToArray(), 200);
            var etas = data.Select((d, i) => Conditional.Solve(model, pop with { Theta = newTheta }, d, warm[i]).Eta).ToArray();

            // (2) LME on the linearisation at (Theta, Eta_i): w = y - f + X Theta + Z Eta.
            var lin = data.Select((d, i) => Linearise(model, newTheta, etas[i], d)).ToArray();
            var v0 = Vector<double>.Build.DenseOfEnumerable(omega.Select(w => 0.5 * Math.Log(w)).Append(Math.Log(sigma)));
            var r = new NelderMeadSimplex(1e-10, 5000).FindMinimum(ObjectiveFunction.Value(v => -LmeLogLik(lin, v, q, out _)), v0,
                Vector<double>.Build.Dense(q + 1, 0.1));
            var v = r.MinimizingPoint;
            var newOmega = Enumerable.Range(0, q).Select(k => Math.Exp(2 * v[k])).ToArray();
            double newSigma = Math.Exp(v[q]);
            logLik = LmeLogLik(lin, v, q, out _);

            double change = newTheta.Zip(theta, (a, b) => Math.Abs(a - b))
                .Concat(newOmega.Zip(omega, (a, b) => Math.Abs(Math.Log(a / b)) / 2))
                .Append(Math.Abs(Math.Log(newSigma / sigma))).Max();
            theta = newTheta; omega = newOmega; sigma = newSigma;
            converged = change < 1e-6;
        }

        var final = new PopulationValues(theta, omega, sigma, 0);
        var modes = new Dictionary<string, double[]>();
        for (int i = 0; i < data.Length; i++) modes[data[i].Individual.Id] = Conditional.Solve(model, final, data[i], warm[i]).Eta;
        return new NlmeFit(model, final, logLik, nObs, data.Length, iterations, converged, modes, options.IncludePreDose, options.Blq);
    }

    private sealed record Linearised(Matrix<double> X, Matrix<double> Z, Vector<double> W);

    private static Linearised Linearise(NlmeModel model, double[] theta, double[] eta, IndividualData d)
    {
        int p = theta.Length, n = d.T.Length;
        var phi = Conditional.Phi(model, theta, eta);
        var f = model.Predict(phi, d.Individual, d.T);
        var dfdPhi = Matrix<double>.Build.Dense(n, p);
        var exact = new double[n * p];
        if (n > 0 && model.TryPredictWithJacobian(phi, d.Individual, d.T, new double[n], exact))
        {
            for (int j = 0; j < n; j++) for (int k = 0; k < p; k++) dfdPhi[j, k] = exact[j * p + k];
        }
        else
        for (int k = 0; k < p; k++)
        {
            const double h = 1e-6;
            var a = (double[])phi.Clone(); a[k] += h;
            var b = (double[])phi.Clone(); b[k] -= h;
            var fa = model.Predict(a, d.Individual, d.T); var fb = model.Predict(b, d.Individual, d.T);
            for (int j = 0; j < n; j++) dfdPhi[j, k] = (fa[j] - fb[j]) / (2 * h);
        }
        // phi = Theta + Eta on the random parameters: X = df/dphi, Z = its random columns.
        var z = Matrix<double>.Build.Dense(n, eta.Length, (j, k) => dfdPhi[j, model.RandomIndex[k]]);
        var w = Vector<double>.Build.Dense(n, j => d.Y[j] - f[j]) + dfdPhi * Vector<double>.Build.DenseOfArray(theta)
                + z * Vector<double>.Build.DenseOfArray(eta);
        return new Linearised(dfdPhi, z, w);
    }

    // ML log-likelihood of w_i ~ N(X_i b, Z_i Omega Z_i' + sigma^2 I) with b profiled out by GLS.
    private static double LmeLogLik(Linearised[] lin, Vector<double> v, int q, out Vector<double> beta)
    {
        var omega = Matrix<double>.Build.DenseOfDiagonalArray(Enumerable.Range(0, q).Select(k => Math.Exp(2 * v[k])).ToArray());
        double s2 = Math.Exp(2 * v[q]);
        int p = lin[0].X.ColumnCount;
        var xtx = Matrix<double>.Build.Dense(p, p); var xtw = Vector<double>.Build.Dense(p);
        var chols = new MathNet.Numerics.LinearAlgebra.Factorization.Cholesky<double>[lin.Length];
        double logDet = 0; int n = 0;
        for (int i = 0; i < lin.Length; i++)
        {
            var l = lin[i];
            if (l.W.Count == 0) continue;
            var vi = l.Z * omega * l.Z.Transpose() + Matrix<double>.Build.DenseIdentity(l.W.Count) * s2;
            chols[i] = vi.Cholesky();
            logDet += chols[i].DeterminantLn; n += l.W.Count;
            xtx += l.X.Transpose() * chols[i].Solve(l.X);
            xtw += l.X.Transpose() * chols[i].Solve(l.W);
        }
        beta = xtx.Solve(xtw);
        double quad = 0;
        for (int i = 0; i < lin.Length; i++)
        {
            if (lin[i].W.Count == 0) continue;
            var r = lin[i].W - lin[i].X * beta;
            quad += r.DotProduct(chols[i].Solve(r));
        }
        double ll = -0.5 * (n * Math.Log(2 * Math.PI) + logDet + quad);
        return double.IsFinite(ll) ? ll : -1e100;
    }
}

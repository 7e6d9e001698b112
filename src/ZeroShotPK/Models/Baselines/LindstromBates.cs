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
            double[]? lastTheta = null;
            double Pnls(double[] th)
            {
                var pp = pop with { Theta = th };
                double s = 0;
                for (int i = 0; i < data.Length; i++)
                {
                    var mode = Conditional.Solve(model, pp, data[i], warm[i]);
                    warm[i] = mode.Eta; s += mode.Joint;
                }
                lastTheta = (double[])th.Clone();
                return double.IsFinite(s) ? s : 1e100;
            }
            // The Eta-profiled sum of squares has gradient sum -2 (y - f) / sigma^2 df/dTheta at the modes (their own
            // gradient is zero there): one forward-mode pass per individual instead of 2p profiled evaluations.
            double[]? PnlsGradient(double[] th)
            {
                if (lastTheta is null || !lastTheta.AsSpan().SequenceEqual(th)) Pnls(th);
                var g = new double[p];
                return AtModes(th, g, null) ? g : null;
            }
            // Adds the gradient at the modes warm[i] to g and, with h, the Gauss-Newton curvature of the Eta-profiled
            // objective (Eta's response through the Schur complement); false where a Jacobian is not available.
            bool AtModes(double[] th, double[] g, Matrix<double>? h)
            {
                double s2 = sigma * sigma;
                for (int i = 0; i < data.Length; i++)
                {
                    var d = data[i];
                    int n = d.T.Length;
                    if (n == 0) continue;
                    var f = new double[n];
                    var jac = new double[n * p];
                    if (!model.TryPredictWithJacobian(Conditional.Phi(model, th, warm[i]), d.Individual, d.T, f, jac)) return false;
                    var a = h is null ? null : Matrix<double>.Build.Dense(p, p);
                    for (int j = 0; j < n; j++)
                    {
                        double w = -2 * (d.Y[j] - f[j]) / s2;
                        for (int k = 0; k < p; k++)
                        {
                            g[k] += w * jac[j * p + k];
                            if (a is not null) for (int l = 0; l < p; l++) a[k, l] += jac[j * p + k] * jac[j * p + l];
                        }
                    }
                    if (a is null) continue;
                    // phi = Theta + Eta on the random parameters: Eta's block is A's random rows and columns plus sigma^2 / Omega.
                    var b = Matrix<double>.Build.Dense(p, q, (k, l) => a[k, model.RandomIndex[l]]);
                    var c = Matrix<double>.Build.Dense(q, q, (k, l) => a[model.RandomIndex[k], model.RandomIndex[l]] + (k == l ? s2 / omega[k] : 0));
                    h!.Add((a - b * c.Solve(b.Transpose())) * (2 / s2), h);
                }
                return true;
            }
            bool exact = data.All(d => d.T.Length == 0 || model.TryPredictWithJacobian(Conditional.Phi(model, theta, new double[q]), d.Individual, d.T, new double[d.T.Length], new double[d.T.Length * p]));
            // With exact Jacobians, Gauss-Newton on the Eta-profiled sum of squares (its curvature from the same Jacobians,
            // Eta's response included through the Schur complement): a few steps where BFGS needed ~19 objective
            // evaluations per PNLS step, each re-solving every individual's mode. Same stationary point, so the same fit.
            var newTheta = exact
                ? GaussNewtonPnls(theta)
                : Focei.Minimise(Pnls, theta, theta.Select(v => v - 5).ToArray(), theta.Select(v => v + 5).ToArray(), 200).X;
            double[] GaussNewtonPnls(double[] start)
            {
                var th = (double[])start.Clone();
                double fth = Pnls(th);
                for (int it = 0; it < 50; it++)
                {
                    var g = new double[p];
                    var h = Matrix<double>.Build.Dense(p, p);
                    if (!AtModes(th, g, h)) return Fallback();
                    Vector<double> step;
                    try { step = h.Cholesky().Solve(Vector<double>.Build.DenseOfArray(g)).Negate(); }
                    catch (ArgumentException) { return Fallback(); }
                    double longest = step.AbsoluteMaximum();
                    if (longest > 1) step /= longest;                        // at most a factor e per step on log scale
                    double slope = step.DotProduct(Vector<double>.Build.DenseOfArray(g));
                    if (!(slope < 0)) break;
                    double t = 1, fNext = double.NaN;
                    double[] next = th;
                    for (int ls = 0; ls < 30; ls++, t /= 2)
                    {
                        next = th.Select((v, k) => v + t * step[k]).ToArray();
                        fNext = Pnls(next);
                        if (fNext <= fth + 1e-4 * t * slope) break;
                    }
                    if (!(fNext <= fth)) { Pnls(th); break; }                 // no descent left: th is the minimum (modes restored)
                    bool done = t * longest < 1e-9 || fth - fNext < 1e-12 * (1 + Math.Abs(fth));
                    th = next; fth = fNext;
                    if (done) break;
                }
                return th;

                // A Jacobian or curvature that cannot be used: the quasi-Newton path of old from here.
                double[] Fallback() => Focei.Minimise(Pnls, th, th.Select(v => v - 5).ToArray(), th.Select(v => v + 5).ToArray(), 200, PnlsGradient).X;
            }
            var etas = data.Select((d, i) => Conditional.Solve(model, pop with { Theta = newTheta }, d, warm[i]).Eta).ToArray();

            // (2) LME on the linearisation at (Theta, Eta_i): w = y - f + X Theta + Z Eta.
            var lin = data.Select((d, i) => Linearise(model, newTheta, etas[i], d)).ToArray();
            var v0 = Vector<double>.Build.DenseOfEnumerable(omega.Select(w => 0.5 * Math.Log(w)).Append(Math.Log(sigma)));
            var r = new NelderMeadSimplex(1e-10, 5000).FindMinimum(ObjectiveFunction.Value(v => -LmeLogLik(lin, v, q)), v0,
                Vector<double>.Build.Dense(q + 1, 0.1));
            var v = r.MinimizingPoint;
            var newOmega = Enumerable.Range(0, q).Select(k => Math.Exp(2 * v[k])).ToArray();
            double newSigma = Math.Exp(v[q]);
            logLik = LmeLogLik(lin, v, q);

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

    // The model linearised at (Theta, Eta_i): w = X b + Z Eta + e, reduced to the cross-products the ML likelihood needs
    // (n_i x n_i matrices never formed: Woodbury's identity with diagonal Omega), so each likelihood evaluation of the
    // Nelder-Mead step costs O(q^3 + p^2 q) per individual instead of a Cholesky of n_i x n_i.
    private sealed record Linearised(int N, double[] XtX, double[] XtZ, double[] ZtZ, double[] XtW, double[] ZtW, double WtW);

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
        int q = eta.Length;
        var xtx = new double[p * p]; var xtz = new double[p * q]; var ztz = new double[q * q];
        var xtw = new double[p]; var ztw = new double[q]; double wtw = 0;
        for (int j = 0; j < n; j++)
        {
            for (int a = 0; a < p; a++)
            {
                xtw[a] += dfdPhi[j, a] * w[j];
                for (int b = 0; b < p; b++) xtx[a * p + b] += dfdPhi[j, a] * dfdPhi[j, b];
                for (int b = 0; b < q; b++) xtz[a * q + b] += dfdPhi[j, a] * z[j, b];
            }
            for (int a = 0; a < q; a++)
            {
                ztw[a] += z[j, a] * w[j];
                for (int b = 0; b < q; b++) ztz[a * q + b] += z[j, a] * z[j, b];
            }
            wtw += w[j] * w[j];
        }
        return new Linearised(n, xtx, xtz, ztz, xtw, ztw, wtw);
    }

    // ML log-likelihood of w_i ~ N(X_i b, V_i = Z_i Omega Z_i' + sigma^2 I) with b profiled out by GLS. With
    // M_i = sigma^2 Omega^-1 + Z'Z: V^-1 = (I - Z M^-1 Z') / sigma^2 and log det V = (n - q) log sigma^2 + log det Omega + log det M.
    private static double LmeLogLik(Linearised[] lin, Vector<double> v, int q)
    {
        var omega = new double[q];
        for (int k = 0; k < q; k++) omega[k] = Math.Exp(2 * v[k]);
        double s2 = Math.Exp(2 * v[q]);
        int p = lin[0].XtW.Length;
        var a = new double[p * p]; var b = new double[p];
        double c = 0, logDet = 0; int n = 0;
        var m = new double[q * q];
        var mzx = new double[q * p]; var mzw = new double[q];
        double logDetOmega = 0;
        for (int k = 0; k < q; k++) logDetOmega += Math.Log(omega[k]);
        foreach (var l in lin)
        {
            if (l.N == 0) continue;
            for (int i = 0; i < q * q; i++) m[i] = l.ZtZ[i];
            for (int k = 0; k < q; k++) m[k * q + k] += s2 / omega[k];
            if (!SmallCholesky(m, q, out double logDetM)) return -1e100;
            // M^-1 Z'X (q x p, column by column) and M^-1 Z'W.
            var col = new double[q];
            for (int j = 0; j < p; j++)
            {
                for (int k = 0; k < q; k++) col[k] = l.XtZ[j * q + k];
                CholeskySolve(m, q, col);
                for (int k = 0; k < q; k++) mzx[k * p + j] = col[k];
            }
            for (int k = 0; k < q; k++) mzw[k] = l.ZtW[k];
            CholeskySolve(m, q, mzw);
            for (int i = 0; i < p; i++)
            {
                double sb = l.XtW[i];
                for (int k = 0; k < q; k++) sb -= l.XtZ[i * q + k] * mzw[k];
                b[i] += sb / s2;
                for (int j = 0; j < p; j++)
                {
                    double sa = l.XtX[i * p + j];
                    for (int k = 0; k < q; k++) sa -= l.XtZ[i * q + k] * mzx[k * p + j];
                    a[i * p + j] += sa / s2;
                }
            }
            double sc = l.WtW;
            for (int k = 0; k < q; k++) sc -= l.ZtW[k] * mzw[k];
            c += sc / s2;
            logDet += (l.N - q) * Math.Log(s2) + logDetOmega + logDetM;
            n += l.N;
        }
        // GLS: beta = A^-1 b; the quadratic form at beta is c - b' beta.
        if (!SmallCholesky(a, p, out _)) return -1e100;
        var beta = (double[])b.Clone();
        CholeskySolve(a, p, beta);
        double quad = c;
        for (int i = 0; i < p; i++) quad -= b[i] * beta[i];
        double ll = -0.5 * (n * Math.Log(2 * Math.PI) + logDet + quad);
        return double.IsFinite(ll) ? ll : -1e100;
    }

    // In-place Cholesky (lower triangle) of a k x k symmetric positive definite matrix; false when not positive definite.
    private static bool SmallCholesky(double[] m, int k, out double logDet)
    {
        logDet = 0;
        for (int j = 0; j < k; j++)
        {
            double d = m[j * k + j];
            for (int r = 0; r < j; r++) d -= m[j * k + r] * m[j * k + r];
            if (!(d > 0)) return false;
            double l = Math.Sqrt(d);
            m[j * k + j] = l; logDet += 2 * Math.Log(l);
            for (int i = j + 1; i < k; i++)
            {
                double s = m[i * k + j];
                for (int r = 0; r < j; r++) s -= m[i * k + r] * m[j * k + r];
                m[i * k + j] = s / l;
            }
        }
        return true;
    }

    // Solves (L L') x = b in place with the factor of SmallCholesky.
    private static void CholeskySolve(double[] l, int k, double[] b)
    {
        for (int i = 0; i < k; i++)
        {
            double s = b[i];
            for (int r = 0; r < i; r++) s -= l[i * k + r] * b[r];
            b[i] = s / l[i * k + i];
        }
        for (int i = k - 1; i >= 0; i--)
        {
            double s = b[i];
            for (int r = i + 1; r < k; r++) s -= l[r * k + i] * b[r];
            b[i] = s / l[i * k + i];
        }
    }
}

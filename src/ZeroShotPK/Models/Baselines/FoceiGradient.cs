using MathNet.Numerics.LinearAlgebra;

namespace ZeroShotPK.Models.Baselines;

/// <summary>
/// Value tangents with respect to (f, log Sigma_add, log Sigma_prop): forward mode through one sample's likelihood
/// terms, so their partial derivatives need no hand-derived formulas (M3's are long).
/// </summary>
internal readonly struct Dual3
{
    public readonly double V, Df, Da, Dp;

    public Dual3(double v, double df, double da, double dp) { V = v; Df = df; Da = da; Dp = dp; }

    public static Dual3 Constant(double v) => new(v, 0, 0, 0);

    private Dual3 Chain(double v, double dv) => new(v, dv * Df, dv * Da, dv * Dp);

    public static Dual3 operator +(Dual3 a, Dual3 b) => new(a.V + b.V, a.Df + b.Df, a.Da + b.Da, a.Dp + b.Dp);
    public static Dual3 operator -(Dual3 a, Dual3 b) => new(a.V - b.V, a.Df - b.Df, a.Da - b.Da, a.Dp - b.Dp);
    public static Dual3 operator -(Dual3 a) => new(-a.V, -a.Df, -a.Da, -a.Dp);
    public static Dual3 operator +(Dual3 a, double b) => new(a.V + b, a.Df, a.Da, a.Dp);
    public static Dual3 operator +(double a, Dual3 b) => b + a;
    public static Dual3 operator -(double a, Dual3 b) => new(a - b.V, -b.Df, -b.Da, -b.Dp);
    public static Dual3 operator *(Dual3 a, double b) => new(a.V * b, a.Df * b, a.Da * b, a.Dp * b);
    public static Dual3 operator *(double b, Dual3 a) => a * b;
    public static Dual3 operator *(Dual3 a, Dual3 b) => new(a.V * b.V, a.Df * b.V + a.V * b.Df, a.Da * b.V + a.V * b.Da, a.Dp * b.V + a.V * b.Dp);

    public static Dual3 operator /(Dual3 a, Dual3 b)
    {
        double q = a.V / b.V, ib = 1 / b.V;
        return new(q, (a.Df - q * b.Df) * ib, (a.Da - q * b.Da) * ib, (a.Dp - q * b.Dp) * ib);
    }

    public static Dual3 Log(Dual3 a) => a.Chain(Math.Log(a.V), 1 / a.V);
    public static Dual3 Sqrt(Dual3 a) { double s = Math.Sqrt(a.V); return a.Chain(s, 0.5 / s); }
    /// <summary>log Φ(z); d/dz = λ(z) = φ(z)/Φ(z).</summary>
    public static Dual3 LogCdf(Dual3 z) => z.Chain(NormalTail.LogCdf(z.V), NormalTail.InverseMills(z.V));
    /// <summary>λ(z) = φ(z)/Φ(z); d/dz = -λ (z + λ).</summary>
    public static Dual3 InverseMills(Dual3 z) { double l = NormalTail.InverseMills(z.V); return z.Chain(l, -l * (z.V + l)); }
}

/// <summary>
/// Exact gradient of the FOCE-I objective (<see cref="Focei"/>) with respect to the outer parameters x = (Theta,
/// log SD of Omega, log Sigma_add, log Sigma_prop), for one individual at its conditional mode.
/// <para>
/// Per individual, on the -2LL scale: L = 2 Σ h_j(f_j) + η'Ω⁻¹η + log|Ω| + log|H| + n log 2π, with h_j one sample's
/// -log density (or M3's -log Φ), H = Σ c_j J_j J_j' + Ω⁻¹ the Gauss-Newton Hessian at the mode η̂(x), J_j = ∂f_j/∂η and
/// c_j the curvature of h_j in f. The first two terms are the inner objective, stationary in η at η̂: their total
/// derivative is the partial one (envelope theorem). log|H| is not stationary: d log|H| / dx = tr(H⁻¹ dH/dx) with dH/dx
/// taken along dη̂/dx = -A⁻¹ ∂G/∂x (implicit function theorem on the inner gradient G = Σ h_j' J_j + Ω⁻¹η, A = ∂G/∂η
/// its exact Hessian). One adjoint solve z = A⁻¹ t, t_k = tr(H⁻¹ ∂H/∂η_k), gives that term for every x at once.
/// </para>
/// <para>
/// It needs second derivatives of the predictions in the random-effect directions: central differences (step 1e-4 in
/// log-parameter) of the exact forward-mode Jacobian, 2q closed-form passes per individual instead of the
/// 2 dim(x) inner re-optimisations of differencing the objective. Their truncation error (~1e-9 relative) enters
/// only the log|H| term.
/// </para>
/// </summary>
internal static class FoceiGradient
{
    private const double Step = 1e-4;

    /// <summary>
    /// Adds individual <paramref name="d"/>'s dL/dx to <paramref name="gradient"/> (layout: Theta, then q log-SDs of
    /// Omega, then log Sigma_add when <paramref name="add"/>, then log Sigma_prop when <paramref name="prop"/>); false
    /// (nothing added) where the exact Jacobian does not apply to this individual.
    /// </summary>
    public static bool Accumulate(NlmeModel model, PopulationValues pop, IndividualData d, Conditional.Mode mode, bool add, bool prop, double[] gradient)
    {
        int n = d.T.Length, p = pop.Theta.Length, q = pop.Omega.Length;
        int[] ri = model.RandomIndex;
        var phi = Conditional.Phi(model, pop.Theta, mode.Eta);
        var f = new double[n];
        var f1 = new double[n * p];
        if (n > 0 && !model.TryPredictWithJacobian(phi, d.Individual, d.T, f, f1)) return false;

        // K[k][j * p + a] = ∂²f_j / ∂φ_a ∂η_k, by central differences of the exact Jacobian.
        var k2 = new double[q][];
        var up = new double[n * p];
        var down = new double[n * p];
        var scratch = new double[n];
        var shifted = (double[])phi.Clone();
        for (int k = 0; k < q && n > 0; k++)
        {
            int a0 = ri[k];
            shifted[a0] = phi[a0] + Step;
            if (!model.TryPredictWithJacobian(shifted, d.Individual, d.T, scratch, up)) return false;
            shifted[a0] = phi[a0] - Step;
            if (!model.TryPredictWithJacobian(shifted, d.Individual, d.T, scratch, down)) return false;
            shifted[a0] = phi[a0];
            k2[k] = new double[n * p];
            for (int x = 0; x < n * p; x++) k2[k][x] = (up[x] - down[x]) / (2 * Step);
        }

        var m = q > 0 ? mode.Hessian.Inverse() : Matrix<double>.Build.Dense(0, 0);
        var a = Matrix<double>.Build.Dense(q, q);
        var t = new double[p];          // tr(H⁻¹ ∂H/∂φ_a) at fixed η
        var dgTheta = new double[p, q]; // ∂G/∂θ_a
        var dgSigma = new double[2, q]; // ∂G/∂log Sigma_add, ∂G/∂log Sigma_prop
        var explicitTheta = new double[p];
        double explicitAdd = 0, explicitProp = 0;
        var jj = new double[q];
        var b = new double[q];
        double sa = pop.SigmaAdd, sp = pop.SigmaProp;
        for (int j = 0; j < n; j++)
        {
            var (h, hp, c) = Terms(d.Y[j], f[j], sa, sp, d.Censored[j]);
            for (int k = 0; k < q; k++) jj[k] = f1[j * p + ri[k]];
            double w = 0;
            for (int k = 0; k < q; k++)
            {
                double s = 0;
                for (int l = 0; l < q; l++) s += m[k, l] * jj[l];
                b[k] = s; w += jj[k] * s;
            }
            for (int ia = 0; ia < p; ia++)
            {
                double fa = f1[j * p + ia];
                explicitTheta[ia] += 2 * hp.V * fa;
                double tr = c.Df * fa * w;
                for (int k = 0; k < q; k++)
                {
                    double kak = k2[k][j * p + ia]; // ∂J_j[k]/∂φ_a
                    tr += 2 * c.V * b[k] * kak;
                    dgTheta[ia, k] += hp.Df * fa * jj[k] + hp.V * kak;
                }
                t[ia] += tr;
            }
            for (int k = 0; k < q; k++)
            {
                for (int l = 0; l < q; l++) a[k, l] += hp.Df * jj[k] * jj[l] + hp.V * k2[l][j * p + ri[k]];
                dgSigma[0, k] += hp.Da * jj[k];
                dgSigma[1, k] += hp.Dp * jj[k];
            }
            explicitAdd += 2 * h.Da + c.Da * w;
            explicitProp += 2 * h.Dp + c.Dp * w;
        }
        for (int k = 0; k < q; k++) a[k, k] += 1 / pop.Omega[k];

        // Adjoint of the implicit η̂(x): z = A⁻¹ t_η, then d log|H| along dη̂/dx = -z · ∂G/∂x.
        var z = q > 0 ? a.Solve(Vector<double>.Build.DenseOfEnumerable(ri.Select(i => t[i]))) : Vector<double>.Build.Dense(0);
        for (int ia = 0; ia < p; ia++)
        {
            double corr = 0;
            for (int k = 0; k < q; k++) corr += z[k] * dgTheta[ia, k];
            gradient[ia] += explicitTheta[ia] + t[ia] - corr;
        }
        for (int k = 0; k < q; k++)
        {
            double eta = mode.Eta[k], om = pop.Omega[k];
            // ∂/∂u of η²/ω + log ω + log|H| (ω = e^{2u}), and ∂G_k/∂u = -2η/ω.
            gradient[p + k] += -2 * eta * eta / om + 2 - 2 * m[k, k] / om + 2 * z[k] * eta / om;
        }
        int next = p + q;
        if (add)
        {
            double corr = 0;
            for (int k = 0; k < q; k++) corr += z[k] * dgSigma[0, k];
            gradient[next++] += explicitAdd - corr;
        }
        if (prop)
        {
            double corr = 0;
            for (int k = 0; k < q; k++) corr += z[k] * dgSigma[1, k];
            gradient[next] += explicitProp - corr;
        }
        return true;
    }

    // One sample's half -2 log p (h), its derivative in f (h') and its Gauss-Newton curvature (c), as in
    // Conditional.PointTerms, each carrying derivatives in (f, log Sigma_add, log Sigma_prop).
    internal static (Dual3 H, Dual3 Hp, Dual3 C) Terms(double y, double fv, double sigmaAdd, double sigmaProp, bool censored)
    {
        var f = new Dual3(fv, 1, 0, 0);
        var sa = new Dual3(sigmaAdd, 0, sigmaAdd, 0);
        var sp = new Dual3(sigmaProp, 0, 0, sigmaProp);
        var r = sa * sa + sp * sp * f * f;
        var dr = 2 * (sp * sp * f);
        if (!censored)
        {
            var e = y - f;
            var ir = Dual3.Constant(1) / r;
            var h = 0.5 * (e * e * ir + Dual3.Log(r));
            var hp = -(e * ir) + 0.5 * (ir - e * e * ir * ir) * dr;
            return (h, hp, ir);
        }
        if (!(r.V > 0)) return (Dual3.Constant(0), Dual3.Constant(0), Dual3.Constant(0));
        var sd = Dual3.Sqrt(r);
        var zv = (y - f) / sd;
        var dz = -((1 + zv * dr / (2 * sd)) / sd);
        var lambda = Dual3.InverseMills(zv);
        return (-Dual3.LogCdf(zv), -(lambda * dz), lambda * (zv + lambda) * dz * dz);
    }
}
